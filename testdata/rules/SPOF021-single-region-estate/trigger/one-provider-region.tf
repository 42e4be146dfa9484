provider "aws" {
  region = "eu-west-1"
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = true
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
