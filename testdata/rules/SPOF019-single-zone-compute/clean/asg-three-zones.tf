variable "zones" {
  default = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

resource "aws_subnet" "app" {
  count             = length(var.zones)
  vpc_id            = "vpc-0example"
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
  availability_zone = var.zones[count.index]
}

resource "aws_autoscaling_group" "web" {
  name                = "web"
  min_size            = 3
  max_size            = 9
  vpc_zone_identifier = aws_subnet.app[*].id
}
