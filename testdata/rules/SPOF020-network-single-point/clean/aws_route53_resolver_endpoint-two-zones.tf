resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_route53_resolver_endpoint" "inbound" {
  name               = "inbound"
  direction          = "INBOUND"
  security_group_ids = ["sg-0123456789abcdef0"]

  ip_address {
    subnet_id = aws_subnet.a.id
  }

  ip_address {
    subnet_id = aws_subnet.b.id
  }
}
