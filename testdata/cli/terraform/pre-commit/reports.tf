resource "aws_db_instance" "reports" {
  identifier     = "reports"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = false
}
