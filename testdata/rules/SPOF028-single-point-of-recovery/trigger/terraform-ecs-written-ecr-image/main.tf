# The service runs in eu-west-1; its task definition names its image by
# the registry host, written out, of a repository only us-east-1 serves.
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
      name      = "web"
      image     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4"
      essential = true
    }
  ])
}
