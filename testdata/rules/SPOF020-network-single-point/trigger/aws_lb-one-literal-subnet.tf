# Subnets named by their id, not declared here: one subnet is one
# availability zone, whichever it is.
resource "aws_lb" "internal" {
  name               = "internal"
  internal           = true
  load_balancer_type = "network"
  subnets            = ["subnet-0123456789abcdef0"]
}

resource "aws_elb" "legacy" {
  name    = "legacy"
  subnets = ["subnet-0a1b2c3d"]

  listener {
    instance_port     = 8080
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
}

# A subnet whose zone AWS picks: still one zone.
resource "aws_subnet" "edge" {
  vpc_id     = "vpc-0example"
  cidr_block = "10.0.9.0/24"
}

resource "aws_lb" "edge" {
  name               = "edge"
  load_balancer_type = "network"

  subnet_mapping {
    subnet_id = aws_subnet.edge.id
  }
}
