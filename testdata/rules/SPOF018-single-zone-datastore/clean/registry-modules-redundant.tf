# Registry modules whose arguments make them redundant, or that create
# nothing.
module "orders_db" {
  source   = "terraform-aws-modules/rds/aws"
  multi_az = true
}

module "not_created" {
  source             = "terraform-aws-modules/rds/aws"
  create_db_instance = false
}

module "aurora" {
  source = "terraform-aws-modules/rds-aurora/aws"
  instances = {
    one = {}
    two = {}
  }
}

module "sql" {
  source            = "terraform-google-modules/sql-db/google//modules/postgresql"
  availability_type = "REGIONAL"
}

module "sql_mysql_default" {
  source = "terraform-google-modules/sql-db/google//modules/mysql"
}

module "redis" {
  source                     = "git::https://github.com/cloudposse/terraform-aws-elasticache-redis.git?ref=tags/1.4.1"
  cluster_size               = 2
  automatic_failover_enabled = true
}

module "disabled" {
  source  = "cloudposse/rds-cluster/aws"
  enabled = false
}
