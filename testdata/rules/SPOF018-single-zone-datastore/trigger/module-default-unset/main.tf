# The call leaves `multi_az` unset, so the module's default decides: the
# finding is at this call, where the caller changes it, and names the
# default in the module's variables.tf.
module "orders_db" {
  source = "./modules/db"
  name   = "orders"
}
