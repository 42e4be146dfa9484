provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "dr"
  region = "eu-central-1"
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = true
}

resource "aws_db_instance" "orders_replica" {
  provider            = aws.dr
  identifier          = "orders-replica"
  replicate_source_db = aws_db_instance.orders.arn
  instance_class      = "db.r6g.large"
  multi_az            = true
}
