resource "aws_s3_directory_bucket" "scratch" {
  bucket = "scratch--use1-az4--x-s3"

  location {
    name = "use1-az4"
  }
}
