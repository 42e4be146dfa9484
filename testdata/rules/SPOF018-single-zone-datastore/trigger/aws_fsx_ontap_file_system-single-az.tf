resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_fsx_ontap_file_system" "nas" {
  storage_capacity    = 1024
  subnet_ids          = [aws_subnet.a.id]
  deployment_type     = "SINGLE_AZ_2"
  throughput_capacity = 384
  preferred_subnet_id = aws_subnet.a.id
}
