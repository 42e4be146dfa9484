# The cluster's instances come from a count with no value: there may be
# several, so the cluster is not "a single database instance".
variable "instance_count" {
  type = number
}

resource "aws_rds_cluster" "orders" {
  cluster_identifier          = "orders"
  engine                      = "aurora-postgresql"
  engine_version              = "16.4"
  master_username             = "orders"
  manage_master_user_password = true
  db_subnet_group_name        = "private"
}

resource "aws_rds_cluster_instance" "member" {
  count              = var.instance_count
  identifier         = "orders-${count.index}"
  cluster_identifier = aws_rds_cluster.orders.id
  instance_class     = "db.r6g.large"
  engine             = aws_rds_cluster.orders.engine
}
