# A cloudposse-style root: the database module is called when the label
# module's `enabled` output is true. The label module is not followed, so
# the toggle's value is not known; the call exists to create the database,
# so the toggle is taken as on, and the module's single-zone instance is
# judged (with a note at the call's `count` saying so).
module "this" {
  source  = "cloudposse/label/null"
  version = "0.25.0"
  name    = "orders"
}

module "db" {
  source = "./modules/db"
  count  = module.this.enabled ? 1 : 0
  name   = module.this.id
}
