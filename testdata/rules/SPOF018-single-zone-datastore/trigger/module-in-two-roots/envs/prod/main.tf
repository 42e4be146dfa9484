module "db" {
  source = "../../modules/db"
  name   = "orders-prod"
}
