# The call sets `create = false`: the module creates no VM, and nothing is
# said of one.
module "bastion" {
  source = "./modules/vm"
  name   = "bastion"
  create = false
}
