# The module call decides: `multi_az = false` is an argument here, read by
# the resource inside the module.
module "orders_db" {
  source   = "./modules/db"
  name     = "orders"
  multi_az = false
}
