variable "multi_az" {
  type    = bool
  default = true
}

resource "aws_db_instance" "this" {
  engine         = "mysql"
  instance_class = "db.t3.medium"
  multi_az       = var.multi_az
}
