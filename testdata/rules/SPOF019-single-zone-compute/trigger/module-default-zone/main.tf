# The call leaves `zone` unset: the module's default puts the VM in one
# zone, and the finding is at this call, where the caller sets it.
module "bastion" {
  source = "./modules/vm"
  name   = "bastion"
}
