resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

# Every Lustre file system is in one zone: a scratch file system whose loss
# is acceptable says why.
resource "aws_fsx_lustre_file_system" "scratch" {
  storage_capacity = 1200
  # spof:ignore[SPOF018] scratch space, rebuilt from S3
  subnet_ids      = [aws_subnet.a.id]
  deployment_type = "SCRATCH_2"
}
