resource "aws_subnet" "private" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.10.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_efs_file_system" "uploads" {
  creation_token   = "uploads"
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"
  encrypted        = true
}

resource "aws_efs_mount_target" "uploads" {
  file_system_id  = aws_efs_file_system.uploads.id
  subnet_id       = aws_subnet.private.id
  security_groups = ["sg-0example"]
}
