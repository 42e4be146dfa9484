# Three instances, one in each of three zones of the provider's region,
# made with `for_each` over the zones: each key is its instance's zone.
data "aws_availability_zones" "available" {}

resource "aws_instance" "web" {
  for_each          = toset(slice(data.aws_availability_zones.available.names, 0, 3))
  ami               = "ami-0example"
  instance_type     = "t3.micro"
  availability_zone = each.key
}
