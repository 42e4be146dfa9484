resource "aws_db_instance" "scratch" {
  identifier     = "scratch"
  engine         = "postgres"
  instance_class = "db.t4g.micro"
  # spof:ignore[SPOF018] throwaway analytics copy, rebuilt nightly
  multi_az = false
}
