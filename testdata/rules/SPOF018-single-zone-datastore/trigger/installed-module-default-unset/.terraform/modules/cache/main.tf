variable "name" {
  type = string
}

variable "multi_az_enabled" {
  type    = bool
  default = false
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id       = var.name
  description                = "sessions"
  node_type                  = "cache.r6g.large"
  multi_az_enabled           = var.multi_az_enabled
}
