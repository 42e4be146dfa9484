resource "aws_elasticache_replication_group" "cache" {
  replication_group_id       = "cache"
  description                = "cluster-mode cache"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = "cache.r7g.large"
  parameter_group_name       = "default.redis7.cluster.on"
  num_node_groups            = 3
  replicas_per_node_group    = 1
  automatic_failover_enabled = true
  subnet_group_name          = "private"
}
