# spof:ignore[SPOF018] a cache of data kept in a regional bucket
resource "aws_s3_directory_bucket" "scratch" {
  bucket = "scratch--use1-az4--x-s3"

  location {
    name = "use1-az4"
  }
}
