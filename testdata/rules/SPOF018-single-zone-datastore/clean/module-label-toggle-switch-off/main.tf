# The same database module, called when the label module's toggle is on
# and the root's own switch is on. The toggle is taken as on, but the
# switch is off: the call makes no instance, so nothing is judged.
module "this" {
  source  = "cloudposse/label/null"
  version = "0.25.0"
  name    = "orders"
}

variable "create_db" {
  type    = bool
  default = false
}

module "db" {
  source = "./modules/db"
  count  = module.this.enabled && var.create_db ? 1 : 0
  name   = module.this.id
}
