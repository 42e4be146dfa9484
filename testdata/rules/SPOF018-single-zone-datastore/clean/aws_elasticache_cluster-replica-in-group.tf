# A read replica added to a Multi-AZ replication group: judged with the group.
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "session store"
  engine                     = "redis"
  node_type                  = "cache.r7g.large"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true
  subnet_group_name          = "private"
}

resource "aws_elasticache_cluster" "replica" {
  cluster_id           = "sessions-replica-3"
  replication_group_id = aws_elasticache_replication_group.sessions.id
  availability_zone    = "eu-west-1c"
}
