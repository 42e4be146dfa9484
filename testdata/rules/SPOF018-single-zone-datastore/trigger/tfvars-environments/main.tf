# No terraform.tfvars, one variables file per environment in envs/: the
# root module is evaluated once per file. Only staging's database has no
# standby, and its file's line is where that is decided.
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
