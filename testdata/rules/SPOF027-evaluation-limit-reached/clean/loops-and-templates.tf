# Loops, templates and functions of ordinary size.
variable "zones" {
  default = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

locals {
  subnets = { for i, z in var.zones : z => cidrsubnet("10.0.0.0/16", 8, i) }
  names   = [for z in var.zones : "subnet-${z}"]
  policy  = jsonencode({ Statement = [for n in local.names : { Resource = n }] })
  matrix  = [for i in range(100) : join(",", [for j in range(100) : tostring(i * j % 7)])]
}

resource "aws_db_instance" "orders" {
  engine     = "postgres"
  multi_az   = true
  identifier = "orders-${length(local.matrix)}-${length(local.policy)}"
}
