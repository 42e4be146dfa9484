# Three databases from one block, none with a standby: one finding for the
# block, at `multi_az = false`, naming how many instances it covers.
resource "aws_db_instance" "shard" {
  count          = 3
  identifier     = "shard-${count.index}"
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = false
}
