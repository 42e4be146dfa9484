variable "name" {
  type = string
}

resource "aws_db_instance" "this" {
  count          = 2
  identifier     = "${var.name}-${count.index}"
  engine         = "postgres"
  instance_class = "db.r6g.large"
}
