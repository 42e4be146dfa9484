resource "aws_lightsail_instance" "web" {
  for_each          = toset(["us-east-1a", "us-east-1b"])
  name              = "web-${each.key}"
  availability_zone = each.key
  blueprint_id      = "ubuntu_22_04"
  bundle_id         = "small_3_0"
}
