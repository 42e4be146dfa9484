# A registry module `terraform init` installed is followed, as a local
# module is: no "module not followed".
module "queue" {
  source  = "example-corp/queue/aws"
  version = "2.0.0"
}
