# Not in the manifest: never read.
resource "aws_db_instance" "stale" {
  identifier     = "stale"
  engine         = "postgres"
  instance_class = "db.t4g.micro"
  multi_az       = false
}
