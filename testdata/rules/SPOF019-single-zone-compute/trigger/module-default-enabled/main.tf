# The call leaves `create` unset: the module's default creates the VM, a
# single one in one zone.
module "bastion" {
  source = "./modules/vm"
  name   = "bastion"
}
