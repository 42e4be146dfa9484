# One instance in each of three distinct zones of the region's list.
data "aws_availability_zones" "available" {}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)
}

resource "aws_instance" "web" {
  count             = 3
  ami               = "ami-0example"
  instance_type     = "t3.micro"
  availability_zone = element(local.azs, count.index)
}
