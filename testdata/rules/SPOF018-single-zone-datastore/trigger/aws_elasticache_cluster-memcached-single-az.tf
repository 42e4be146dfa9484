resource "aws_elasticache_cluster" "fragments" {
  cluster_id           = "fragments"
  engine               = "memcached"
  node_type            = "cache.m7g.large"
  num_cache_nodes      = 2
  parameter_group_name = "default.memcached1.6"
  port                 = 11211
  subnet_group_name    = "private"
}
