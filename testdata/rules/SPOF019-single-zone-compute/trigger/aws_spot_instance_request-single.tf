resource "aws_spot_instance_request" "worker" {
  ami               = "ami-0123456789abcdef0"
  instance_type     = "c6g.large"
  availability_zone = "us-east-1a"
}
