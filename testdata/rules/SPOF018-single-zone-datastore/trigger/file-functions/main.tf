# The database's settings are a template of the tree, rendered with
# `templatefile`; one instance per settings file (`fileset`). The template
# says no standby.
locals {
  settings = jsondecode(templatefile("${path.module}/settings/db.tftpl", {
    standby = false
    zones   = ["eu-west-1a"]
  }))
}

resource "aws_db_instance" "orders" {
  count          = length(fileset(path.module, "settings/*.tftpl"))
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = local.settings.multi_az
}
