variable "multi_az" {
  type    = bool
  default = true
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = var.multi_az
}
