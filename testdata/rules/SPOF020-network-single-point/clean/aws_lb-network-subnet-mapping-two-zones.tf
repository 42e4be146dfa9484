resource "aws_subnet" "public_a" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.0.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "public_b" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_lb" "ingress" {
  name               = "ingress"
  load_balancer_type = "network"

  subnet_mapping {
    subnet_id     = aws_subnet.public_a.id
    allocation_id = "eipalloc-0aaa"
  }

  subnet_mapping {
    subnet_id     = aws_subnet.public_b.id
    allocation_id = "eipalloc-0bbb"
  }
}
