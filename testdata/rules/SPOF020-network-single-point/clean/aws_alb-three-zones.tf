locals {
  zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

resource "aws_subnet" "public" {
  count             = length(local.zones)
  vpc_id            = "vpc-0example"
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
  availability_zone = local.zones[count.index]
}

resource "aws_alb" "front" {
  name               = "front"
  internal           = false
  load_balancer_type = "application"
  security_groups    = ["sg-0example"]
  subnets            = aws_subnet.public[*].id

  enable_deletion_protection = true
}
