variable "name" {
  type = string
}

resource "aws_elasticache_cluster" "this" {
  cluster_id      = var.name
  engine          = "memcached"
  node_type       = "cache.t4g.small"
  num_cache_nodes = 1
}
