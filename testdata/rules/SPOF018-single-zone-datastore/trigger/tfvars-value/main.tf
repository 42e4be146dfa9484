# The default says multi-AZ, terraform.tfvars says otherwise: the finding
# sits on the attribute, and the tfvars line is where it is decided.
resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = var.multi_az
}
