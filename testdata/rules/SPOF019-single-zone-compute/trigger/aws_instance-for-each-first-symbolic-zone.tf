# Three instances made with `for_each` over three zones of the provider's
# region, but each placed in the first of them: all in one zone.
data "aws_availability_zones" "available" {}

resource "aws_instance" "web" {
  for_each          = toset(slice(data.aws_availability_zones.available.names, 0, 3))
  ami               = "ami-0example"
  instance_type     = "t3.micro"
  availability_zone = data.aws_availability_zones.available.names[0]
}
