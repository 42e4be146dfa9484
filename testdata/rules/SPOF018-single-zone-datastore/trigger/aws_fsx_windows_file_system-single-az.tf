resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_fsx_windows_file_system" "shares" {
  storage_capacity    = 300
  subnet_ids          = [aws_subnet.a.id]
  throughput_capacity = 32
  active_directory_id = "d-1234567890"
}
