variable "create" {
  default = false
}

resource "aws_db_instance" "orders" {
  count          = var.create ? 1 : 0
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.large"
}
