# Registry modules judged at the call, in a module built on the null-label
# convention: the label module `this` is not followed, so its toggle is
# taken as on (the module exists to create these), and each call is judged,
# with a note at the argument or `count` that reads the toggle.
module "this" {
  source  = "cloudposse/label/null"
  version = "0.25.0"
  name    = "orders"
}

# `enabled` comes from the context, as in every Cloud Posse module.
module "aurora" {
  source       = "cloudposse/rds-cluster/aws"
  context      = module.this.context
  cluster_size = 1
}

# Counted by the toggle, and given it as `enabled`.
module "redis" {
  source  = "cloudposse/elasticache-redis/aws"
  count   = module.this.enabled ? 1 : 0
  enabled = module.this.enabled
}
