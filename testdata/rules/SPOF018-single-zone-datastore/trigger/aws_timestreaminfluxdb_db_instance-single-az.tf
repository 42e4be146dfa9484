resource "aws_timestreaminfluxdb_db_instance" "metrics" {
  name                   = "metrics"
  db_instance_type       = "db.influx.medium"
  allocated_storage      = 20
  username               = "admin"
  password               = "example-password"
  organization           = "ops"
  bucket                 = "metrics"
  vpc_subnet_ids         = ["subnet-0123456789abcdef0"]
  vpc_security_group_ids = ["sg-0123456789abcdef0"]
}
