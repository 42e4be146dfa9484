# The same registry modules, switched off in every way a call can be: the
# label module's toggle set off by its call (read through `context`, through
# `enabled`, and in a `count`), `enabled = false`, and `count = 0`. Nothing
# is created, so nothing is judged.
module "this" {
  source  = "cloudposse/label/null"
  version = "0.25.0"
  name    = "orders"
  enabled = false
}

module "aurora" {
  source       = "cloudposse/rds-cluster/aws"
  context      = module.this.context
  cluster_size = 1
}

module "redis" {
  source  = "cloudposse/elasticache-redis/aws"
  count   = module.this.enabled ? 1 : 0
  enabled = module.this.enabled
}

module "redis_off" {
  source  = "cloudposse/elasticache-redis/aws"
  enabled = false
}

module "db" {
  source   = "terraform-aws-modules/rds/aws"
  count    = 0
  multi_az = false
}

module "aurora_context_off" {
  source       = "cloudposse/rds-cluster/aws"
  context      = { enabled = false }
  cluster_size = 1
}
