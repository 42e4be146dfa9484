resource "aws_neptune_cluster" "graph" {
  cluster_identifier                  = "graph"
  engine                              = "neptune"
  engine_version                      = "1.3.2.1"
  neptune_subnet_group_name           = "private"
  iam_database_authentication_enabled = true
  skip_final_snapshot                 = true
}

resource "aws_neptune_cluster_instance" "graph" {
  identifier         = "graph-1"
  cluster_identifier = aws_neptune_cluster.graph.id
  engine             = "neptune"
  instance_class     = "db.r6g.large"
}
