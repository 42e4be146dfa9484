locals {
  zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

resource "aws_subnet" "private" {
  count             = length(local.zones)
  vpc_id            = "vpc-0example"
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index + 10)
  availability_zone = local.zones[count.index]
}

resource "aws_efs_file_system" "uploads" {
  creation_token   = "uploads"
  performance_mode = "generalPurpose"
  throughput_mode  = "elastic"
  encrypted        = true
}

resource "aws_efs_mount_target" "uploads" {
  count           = length(local.zones)
  file_system_id  = aws_efs_file_system.uploads.id
  subnet_id       = aws_subnet.private[count.index].id
  security_groups = ["sg-0example"]
}
