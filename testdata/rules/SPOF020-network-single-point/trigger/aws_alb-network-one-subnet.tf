# `aws_alb` is the older name of `aws_lb`. A network load balancer may be
# created in a single subnet (an application load balancer may not).
resource "aws_subnet" "private" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.10.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_alb" "internal" {
  name               = "internal"
  internal           = true
  load_balancer_type = "network"

  subnet_mapping {
    subnet_id            = aws_subnet.private.id
    private_ipv4_address = "10.0.10.10"
  }
}
