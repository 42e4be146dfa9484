resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_apigatewayv2_vpc_link" "private" {
  name               = "private"
  security_group_ids = ["sg-0123456789abcdef0"]
  subnet_ids         = [aws_subnet.a.id]
}
