# A replica, but nothing promotes it: automatic failover is off.
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id = "sessions"
  description          = "session store"
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = "cache.r7g.large"
  num_cache_clusters   = 2
  port                 = 6379
  subnet_group_name    = "private"
}
