# The settings are read from outside the scanned tree: they are not read,
# `multi_az` is unknown, and nothing is said of it (a note says why).
locals {
  settings = jsondecode(templatefile("${path.module}/../../trigger/file-functions/settings/db.tftpl", {
    standby = false
    zones   = ["eu-west-1a"]
  }))
}

resource "aws_db_instance" "orders" {
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = local.settings.multi_az
}
