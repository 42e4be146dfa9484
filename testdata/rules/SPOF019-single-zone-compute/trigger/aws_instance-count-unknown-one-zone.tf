# However many clients the count makes, every one of them is in the zone
# written here: the zone is a single point of failure for all of them.
variable "client_count" {
  type = number
}

resource "aws_instance" "client" {
  count             = var.client_count
  ami               = "ami-0123456789abcdef0"
  instance_type     = "t3.large"
  availability_zone = "eu-west-1a"
}
