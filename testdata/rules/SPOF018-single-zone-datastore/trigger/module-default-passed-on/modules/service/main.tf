variable "multi_az" {
  type    = bool
  default = false
}

module "db" {
  source   = "../db"
  multi_az = var.multi_az
}
