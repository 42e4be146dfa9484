1# Two instances, but both in the one subnet: replicas that share a zone.
resource "aws_subnet" "app" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_instance" "api" {
  count         = 2
  ami           = "ami-0c1c30571d2dae5c9"
  instance_type = "m6i.large"
  subnet_id     = aws_subnet.app.id
}
