# The RDS module from the registry: `multi_az` defaults to false in the
# module, so the call itself is the place to fix. The counted call is one
# finding for both instances; `count = 0` creates nothing.
module "orders_db" {
  source  = "terraform-aws-modules/rds/aws"
  version = "~> 6.0"

  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.large"
}

module "shard" {
  source = "terraform-aws-modules/rds/aws"
  count  = 2

  identifier = "shard-${count.index}"
  multi_az   = false
}

module "unused" {
  source = "terraform-aws-modules/rds/aws"
  count  = 0

  identifier = "unused"
}
