# The service module passes its own `multi_az` on to the database module;
# this call sets neither, so the service module's default decides: the
# finding is at this call, the outermost one that leaves it unset.
module "billing" {
  source = "./modules/service"
}
