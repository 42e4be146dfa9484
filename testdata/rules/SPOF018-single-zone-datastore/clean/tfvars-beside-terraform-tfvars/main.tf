# terraform.tfvars is there: Terraform reads it and only it, so the root
# module is evaluated once, and staging.tfvars waits for a -var-file.
variable "multi_az" {
  type    = bool
  default = false
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = var.multi_az
}
