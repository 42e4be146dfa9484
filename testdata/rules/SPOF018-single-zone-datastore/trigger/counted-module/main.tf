# A module instantiated per region, two databases in each: one finding for
# the block in the module, covering its four instances.
module "db" {
  source   = "./modules/db"
  for_each = toset(["eu", "us"])
  name     = each.key
}
