# Registry modules judged at the call: an Aurora cluster with one instance,
# a zonal Cloud SQL instance by the module's default, a one-node Redis.
module "aurora" {
  source = "terraform-aws-modules/rds-aurora/aws"
  instances = {
    one = {}
  }
}

module "sql" {
  source = "terraform-google-modules/sql-db/google//modules/postgresql"
}

module "redis" {
  source = "cloudposse/elasticache-redis/aws"
}
