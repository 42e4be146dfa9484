# One instance, its zone from a variable default: the finding sits on
# `availability_zone` here, the default is where the zone is decided.
resource "aws_instance" "bastion" {
  ami               = "ami-0123456789abcdef0"
  instance_type     = "t3.micro"
  availability_zone = var.zone
}
