# However many zones `var.azs` names, the `for_each` over it makes one
# client per zone, and every one of them is in the zone written here.
variable "azs" {
  type = set(string)
}

resource "aws_instance" "client" {
  for_each          = var.azs
  ami               = "ami-0123456789abcdef0"
  instance_type     = "t3.large"
  availability_zone = "eu-west-1a"
}
