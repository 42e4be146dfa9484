variable "multi_az" {
  type = bool
}

resource "aws_db_instance" "this" {
  engine   = "postgres"
  multi_az = var.multi_az
}

output "endpoint" {
  value = aws_db_instance.this.address
}
