resource "aws_lightsail_instance" "web" {
  name              = "web"
  availability_zone = "us-east-1a"
  blueprint_id      = "ubuntu_22_04"
  bundle_id         = "small_3_0"
}
