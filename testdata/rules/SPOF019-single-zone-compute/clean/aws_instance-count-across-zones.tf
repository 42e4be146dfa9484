locals {
  zones = ["eu-west-1a", "eu-west-1b"]
}

resource "aws_subnet" "app" {
  count             = length(local.zones)
  vpc_id            = "vpc-0example"
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
  availability_zone = local.zones[count.index]
}

resource "aws_instance" "api" {
  count         = 2
  ami           = "ami-0c1c30571d2dae5c9"
  instance_type = "m6i.large"
  subnet_id     = aws_subnet.app[count.index].id

  tags = {
    Name = "api-${count.index}"
  }
}
