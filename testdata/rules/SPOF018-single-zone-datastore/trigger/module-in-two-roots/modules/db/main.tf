# Every root module's instance of this module is a single-AZ database of its
# own: one finding each.
variable "name" {
  type = string
}

resource "aws_db_instance" "this" {
  identifier     = var.name
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = false
}
