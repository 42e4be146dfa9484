# The database is single-AZ through the default in variables.tf: the
# finding sits on the attribute that reads it, in this file, so a
# pre-commit run naming only main.tf still fails.
resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = var.multi_az
}
