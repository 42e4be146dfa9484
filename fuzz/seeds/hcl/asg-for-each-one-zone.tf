1variable "zones" {
  default = ["eu-west-1a"]
}

resource "aws_subnet" "app" {
  for_each          = toset(var.zones)
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.1.0/24"
  availability_zone = each.value
}

resource "aws_autoscaling_group" "web" {
  name                = "web"
  min_size            = 3
  max_size            = 9
  vpc_zone_identifier = [for s in aws_subnet.app : s.id]
}
