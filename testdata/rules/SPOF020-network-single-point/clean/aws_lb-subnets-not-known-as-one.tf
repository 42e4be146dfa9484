# Two subnet ids (a load balancer takes one subnet per zone), subnets from a
# variable with no value, and subnets whose zones AWS picks: none is known
# to be one zone.
variable "subnet_ids" {
  type = list(string)
}

resource "aws_lb" "two_ids" {
  name               = "two-ids"
  load_balancer_type = "application"
  subnets            = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
}

resource "aws_lb" "from_variable" {
  name               = "from-variable"
  load_balancer_type = "application"
  subnets            = var.subnet_ids
}

resource "aws_subnet" "a" {
  vpc_id     = "vpc-0example"
  cidr_block = "10.0.1.0/24"
}

resource "aws_subnet" "b" {
  vpc_id     = "vpc-0example"
  cidr_block = "10.0.2.0/24"
}

resource "aws_lb" "two_subnets" {
  name               = "two-subnets"
  load_balancer_type = "network"
  subnets            = [aws_subnet.a.id, aws_subnet.b.id]
}

# Placeholder ids in an example are not ids.
resource "aws_lb" "placeholder" {
  name               = "placeholder"
  load_balancer_type = "network"
  subnets            = ["subnet-xxxxxxxx"]
}
