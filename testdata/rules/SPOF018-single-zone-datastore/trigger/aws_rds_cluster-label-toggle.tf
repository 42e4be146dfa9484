# A cloudposse-style module: the replication group is made when the label
# module's `enabled` output is true. The label module is not followed, so
# the toggle's value is not known; the module exists to create the group,
# so the toggle is taken as on, and the one-node group is judged (with a
# note at the `count` saying so).
variable "cluster_size" {
  type    = number
  default = 1
}

module "this" {
  source  = "cloudposse/label/null"
  version = "0.25.0"
  name    = "cache"
}

locals {
  enabled = module.this.enabled
}

resource "aws_elasticache_replication_group" "default" {
  count                      = local.enabled ? 1 : 0
  replication_group_id       = module.this.id
  description                = "cache"
  engine                     = "redis"
  node_type                  = "cache.t4g.small"
  num_cache_clusters         = var.cluster_size
  automatic_failover_enabled = var.cluster_size > 1
  multi_az_enabled           = var.cluster_size > 1
  subnet_group_name          = "private"
}

resource "aws_rds_cluster" "primary" {
  count                       = module.this.context.enabled ? 1 : 0
  cluster_identifier          = "orders"
  engine                      = "aurora-postgresql"
  master_username             = "orders"
  manage_master_user_password = true
  db_subnet_group_name        = "private"
}

resource "aws_rds_cluster_instance" "default" {
  count              = module.this.enabled ? var.cluster_size : 0
  identifier         = "orders-${count.index}"
  cluster_identifier = aws_rds_cluster.primary[0].id
  instance_class     = "db.r6g.large"
  engine             = "aurora-postgresql"
}
