resource "aws_subnet" "a" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_lb" "front" {
  name               = "front"
  load_balancer_type = "application"
  subnets            = [aws_subnet.a.id]
}
