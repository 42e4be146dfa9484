# One client in each zone `var.azs` names, whatever they are: how many
# there are and where they run is not known, and nothing is said.
variable "azs" {
  type = set(string)
}

resource "aws_instance" "client" {
  for_each          = var.azs
  ami               = "ami-0123456789abcdef0"
  instance_type     = "t3.large"
  availability_zone = each.key
}
