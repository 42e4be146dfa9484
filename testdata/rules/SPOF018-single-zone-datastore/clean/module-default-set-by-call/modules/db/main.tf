variable "multi_az" {
  type    = bool
  default = false
}

resource "aws_db_instance" "this" {
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = var.multi_az
}
