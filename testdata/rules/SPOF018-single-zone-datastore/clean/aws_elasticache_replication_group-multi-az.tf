resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id        = "sessions"
  description                 = "session store"
  engine                      = "redis"
  engine_version              = "7.1"
  node_type                   = "cache.r7g.large"
  num_cache_clusters          = 2
  preferred_cache_cluster_azs = ["eu-west-1a", "eu-west-1b"]
  automatic_failover_enabled  = true
  multi_az_enabled            = true
  port                        = 6379
  parameter_group_name        = "default.redis7"
  subnet_group_name           = "private"
}
