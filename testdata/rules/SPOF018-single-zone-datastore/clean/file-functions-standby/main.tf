# The same template, rendered with a standby: `multi_az` is true.
locals {
  settings = jsondecode(templatefile("${path.module}/settings/db.tftpl", {
    standby = true
    zones   = ["eu-west-1a", "eu-west-1b"]
  }))
}

resource "aws_db_instance" "orders" {
  count          = length(fileset(path.module, "settings/*.tftpl"))
  engine         = "postgres"
  instance_class = "db.r6g.large"
  multi_az       = local.settings.multi_az
}
