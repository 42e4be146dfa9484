resource "aws_efs_file_system" "uploads" {
  creation_token         = "uploads"
  availability_zone_name = "eu-west-1a"
  encrypted              = true

  lifecycle_policy {
    transition_to_ia = "AFTER_30_DAYS"
  }
}
