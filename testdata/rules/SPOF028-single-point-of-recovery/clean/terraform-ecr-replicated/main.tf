# The registry of us-east-1 replicates its repositories to eu-west-1, where
# the service runs.
provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "registry"
  region = "us-east-1"
}

resource "aws_ecr_repository" "web" {
  provider = aws.registry
  name     = "web"
}

resource "aws_ecr_replication_configuration" "registry" {
  provider = aws.registry

  replication_configuration {
    rule {
      destination {
        region      = "eu-west-1"
        registry_id = "123456789012"
      }
    }
  }
}

resource "aws_ecs_cluster" "main" {
  name = "main"
}

resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.web.arn
  desired_count   = 3
  launch_type     = "FARGATE"

  network_configuration {
    subnets = ["subnet-0aaa", "subnet-0bbb", "subnet-0ccc"]
  }
}

resource "aws_ecs_task_definition" "web" {
  family                   = "web"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  container_definitions = jsonencode([
    {
      name  = "web"
      image = "${aws_ecr_repository.web.repository_url}:1.4"
    }
  ])
}
