# HCL that Terraform accepts and hcl-edit alone refused: a key written
# twice in an object (the value written last wins) and a conditional
# continued on the next line inside an object `for` expression. The file
# is read, `multi_az` is the last `false`, and the finding below both keeps
# its line and column.
locals {
  settings = {
    multi_az = true
    multi_az = false
  }
  classes = { for tier in ["small", "large"] : tier => tier == "small" ? "db.t4g.medium" :
    "db.r6g.large" }
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = local.classes["large"]
  multi_az       = local.settings.multi_az
}
