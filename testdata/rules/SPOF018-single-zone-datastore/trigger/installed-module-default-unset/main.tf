# `terraform init` installed the module; the call leaves
# `multi_az_enabled` unset and the installed code's default decides.
module "cache" {
  source  = "example-corp/cache/aws"
  version = "2.0.0"
  name    = "sessions"
}
