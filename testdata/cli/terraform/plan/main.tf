variable "multi_az" {
  type = bool
}

resource "aws_db_instance" "db" {
  identifier        = "orders"
  engine            = "postgres"
  engine_version    = "16.3"
  instance_class    = "db.r6g.large"
  allocated_storage = 100
  multi_az          = var.multi_az
}
