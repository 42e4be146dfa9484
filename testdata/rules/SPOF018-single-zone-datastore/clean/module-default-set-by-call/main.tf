# The module's default is single-AZ, but the call sets `multi_az`.
module "orders_db" {
  source   = "./modules/db"
  multi_az = true
}
