variable "name" {
  type = string
}

variable "multi_az" {
  type    = bool
  default = true
}

resource "aws_db_instance" "this" {
  identifier     = var.name
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = var.multi_az
}

module "replica" {
  source  = "example-corp/replica/aws"
  version = "0.3.0"
  name    = "${var.name}-cache"
}
