variable "multi_az" {
  type    = bool
  default = true
}

variable "zones" {
  type    = list(string)
  default = ["eu-west-1a", "eu-west-1b"]
}

resource "aws_subnet" "db" {
  for_each          = toset(var.zones)
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.${index(var.zones, each.value)}.0/24"
  availability_zone = each.value
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = var.multi_az
}
