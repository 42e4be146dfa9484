# Every instance in the first zone of the region's list: one zone, whose
# name is not known.
data "aws_availability_zones" "available" {}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)
}

resource "aws_instance" "web" {
  count             = 3
  ami               = "ami-0example"
  instance_type     = "t3.micro"
  availability_zone = local.azs[0]
}
