# The same cloudposse-style cluster, with the label module's toggle set
# off by the call: `enabled = false` says the resources are not made, so
# nothing is judged; the same for a call whose `context` says `enabled`
# is false.
module "this" {
  source  = "cloudposse/label/null"
  version = "0.25.0"
  enabled = false
  name    = "orders"
}

module "other" {
  source  = "cloudposse/label/null"
  version = "0.25.0"
  context = { enabled = false }
}

resource "aws_rds_cluster" "primary" {
  count                       = module.this.enabled ? 1 : 0
  cluster_identifier          = "orders"
  engine                      = "aurora-postgresql"
  master_username             = "orders"
  manage_master_user_password = true
  db_subnet_group_name        = "private"
}

resource "aws_rds_cluster_instance" "default" {
  count              = module.other.context.enabled ? 1 : 0
  identifier         = "orders"
  cluster_identifier = aws_rds_cluster.primary[0].id
  instance_class     = "db.r6g.large"
  engine             = "aurora-postgresql"
}
