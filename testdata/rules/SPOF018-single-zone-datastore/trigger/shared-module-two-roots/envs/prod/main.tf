# Two root modules call one module, each deciding `multi_az` in its own
# call: the findings share the attribute in the module, and are two, one
# per call that decides.
module "orders_db" {
  source   = "../../modules/db"
  name     = "orders-prod"
  multi_az = false
}
