resource "aws_docdb_cluster" "catalog" {
  cluster_identifier              = "catalog"
  engine                          = "docdb"
  master_username                 = "catalog"
  master_password                 = "change-me-please"
  db_subnet_group_name            = "private"
  db_cluster_parameter_group_name = "default.docdb5.0"
  skip_final_snapshot             = true
}

resource "aws_docdb_cluster_instance" "catalog" {
  identifier         = "catalog-1"
  cluster_identifier = aws_docdb_cluster.catalog.id
  instance_class     = "db.r6g.large"
}
