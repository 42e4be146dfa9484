# `terraform init` installed the registry module: its code is under
# `.terraform/modules/`, which the manifest maps to each call. The finding
# is in the installed code, the deciding value here, in the call.
module "db" {
  source   = "example-corp/database/aws"
  version  = "1.2.0"
  name     = "orders"
  multi_az = false
}
