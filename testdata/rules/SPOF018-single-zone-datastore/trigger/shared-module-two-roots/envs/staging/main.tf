module "orders_db" {
  source   = "../../modules/db"
  name     = "orders-staging"
  multi_az = false
}
