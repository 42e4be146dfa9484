resource "aws_elasticache_cluster" "fragments" {
  cluster_id                   = "fragments"
  engine                       = "memcached"
  node_type                    = "cache.m7g.large"
  num_cache_nodes              = 3
  az_mode                      = "cross-az"
  preferred_availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  parameter_group_name         = "default.memcached1.6"
  port                         = 11211
  subnet_group_name            = "private"
}
