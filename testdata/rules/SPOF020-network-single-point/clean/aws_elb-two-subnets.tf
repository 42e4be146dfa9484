resource "aws_subnet" "public" {
  count             = 2
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.${count.index}.0/24"
  availability_zone = ["eu-west-1a", "eu-west-1b"][count.index]
}

resource "aws_elb" "legacy" {
  name                      = "legacy"
  subnets                   = aws_subnet.public[*].id
  security_groups           = ["sg-0example"]
  cross_zone_load_balancing = true

  listener {
    instance_port     = 8080
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }

  health_check {
    healthy_threshold   = 2
    unhealthy_threshold = 2
    timeout             = 3
    target              = "HTTP:8080/healthz"
    interval            = 30
  }
}
