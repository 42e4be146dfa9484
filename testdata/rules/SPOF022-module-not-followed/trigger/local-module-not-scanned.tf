module "db" {
  source = "../shared-modules/db"
}
