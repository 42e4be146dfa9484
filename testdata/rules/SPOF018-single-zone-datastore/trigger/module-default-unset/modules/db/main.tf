resource "aws_db_instance" "this" {
  identifier     = var.name
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = var.multi_az
}
