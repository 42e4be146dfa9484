resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_fsx_lustre_file_system" "scratch" {
  storage_capacity            = 1200
  subnet_ids                  = [aws_subnet.a.id]
  deployment_type             = "PERSISTENT_2"
  per_unit_storage_throughput = 125
}
