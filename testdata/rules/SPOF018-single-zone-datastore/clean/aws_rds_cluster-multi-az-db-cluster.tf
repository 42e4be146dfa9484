# A Multi-AZ DB cluster (not Aurora): RDS places a writer and two readers in
# three availability zones itself.
resource "aws_rds_cluster" "ledger" {
  cluster_identifier          = "ledger"
  engine                      = "postgres"
  engine_version              = "16.4"
  db_cluster_instance_class   = "db.m6gd.large"
  storage_type                = "io1"
  allocated_storage           = 100
  iops                        = 1000
  master_username             = "ledger"
  manage_master_user_password = true
  db_subnet_group_name        = "private"
}
