# KNOWN GAP (missed single point): the same group as
# trigger/aws_elasticache_replication_group-replica-no-failover.tf, with its
# zones listed. Automatic failover is still off, so losing the primary's zone
# stops writes until someone promotes the replica by hand, but the listed
# zones (two) make spof treat the group as spread and the fact is not judged.
# Move this case to trigger/ when the knowledge base catches it.
resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id        = "sessions"
  description                 = "session store"
  engine                      = "redis"
  engine_version              = "7.1"
  node_type                   = "cache.r7g.large"
  num_cache_clusters          = 2
  preferred_cache_cluster_azs = ["eu-west-1a", "eu-west-1b"]
  port                        = 6379
  subnet_group_name           = "private"
}
