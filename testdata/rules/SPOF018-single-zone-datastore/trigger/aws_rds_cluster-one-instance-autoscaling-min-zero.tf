resource "aws_rds_cluster" "orders" {
  cluster_identifier          = "orders"
  engine                      = "aurora-postgresql"
  engine_version              = "16.4"
  database_name               = "orders"
  master_username             = "orders"
  manage_master_user_password = true
  db_subnet_group_name        = "private"
  storage_encrypted           = true
}

resource "aws_rds_cluster_instance" "writer" {
  identifier         = "orders-1"
  cluster_identifier = aws_rds_cluster.orders.id
  instance_class     = "db.r6g.large"
  engine             = aws_rds_cluster.orders.engine
  engine_version     = aws_rds_cluster.orders.engine_version
}

# Auto Scaling may remove every reader: min_capacity is 0.
resource "aws_appautoscaling_target" "readers" {
  service_namespace  = "rds"
  scalable_dimension = "rds:cluster:ReadReplicaCount"
  resource_id        = "cluster:${aws_rds_cluster.orders.cluster_identifier}"
  min_capacity       = 0
  max_capacity       = 4
}
