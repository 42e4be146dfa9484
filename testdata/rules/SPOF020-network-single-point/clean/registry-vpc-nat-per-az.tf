# One NAT gateway per zone; and a second VPC that asks for a single NAT
# gateway but has no NAT at all (`enable_nat_gateway` defaults to false).
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.0"

  azs             = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  private_subnets = ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
  public_subnets  = ["10.0.101.0/24", "10.0.102.0/24", "10.0.103.0/24"]

  enable_nat_gateway     = true
  one_nat_gateway_per_az = true
}

module "isolated" {
  source = "registry.terraform.io/terraform-aws-modules/vpc/aws"

  azs             = ["eu-west-1a", "eu-west-1b"]
  private_subnets = ["10.1.1.0/24", "10.1.2.0/24"]

  single_nat_gateway = true
}
