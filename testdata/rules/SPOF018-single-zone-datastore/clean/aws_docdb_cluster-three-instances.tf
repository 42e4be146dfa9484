resource "aws_docdb_cluster" "catalog" {
  cluster_identifier   = "catalog"
  engine               = "docdb"
  master_username      = "catalog"
  master_password      = "change-me-please"
  db_subnet_group_name = "private"
  availability_zones   = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

resource "aws_docdb_cluster_instance" "catalog" {
  count              = 3
  identifier         = "catalog-${count.index}"
  cluster_identifier = aws_docdb_cluster.catalog.id
  instance_class     = "db.r6g.large"
}
