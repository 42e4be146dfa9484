resource "aws_memorydb_cluster" "feeds" {
  name                   = "feeds"
  acl_name               = "open-access"
  node_type              = "db.r7g.large"
  engine_version         = "7.1"
  num_shards             = 2
  num_replicas_per_shard = 1
  subnet_group_name      = "private"
  tls_enabled            = true
}
