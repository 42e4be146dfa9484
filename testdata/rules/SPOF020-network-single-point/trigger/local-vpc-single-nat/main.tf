# A VPC module in the tree, called by a local path and asked for one NAT
# gateway by a variable of the root module: the finding is at the call's
# `single_nat_gateway`, where the caller changes it (with the variable's
# default as where the value is decided), and the NAT gateway in the
# module's code is a related location.
variable "single_nat" {
  type    = bool
  default = true
}

module "vpc" {
  source = "./vpc"

  azs                = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  private_subnets    = ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
  public_subnets     = ["10.0.101.0/24", "10.0.102.0/24", "10.0.103.0/24"]
  enable_nat_gateway = true
  single_nat_gateway = var.single_nat
}
