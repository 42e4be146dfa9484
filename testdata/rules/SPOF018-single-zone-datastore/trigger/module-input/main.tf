variable "ha" {
  type    = bool
  default = true
}

module "inventory_db" {
  source   = "./modules/db"
  name     = "inventory"
  multi_az = var.ha
}
