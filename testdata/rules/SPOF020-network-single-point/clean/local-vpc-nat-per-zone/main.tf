# The same VPC module asked for one NAT gateway per zone: each zone's
# private subnet routes through the NAT gateway of its own zone.
module "vpc" {
  source = "./vpc"

  azs                    = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  private_subnets        = ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
  public_subnets         = ["10.0.101.0/24", "10.0.102.0/24", "10.0.103.0/24"]
  enable_nat_gateway     = true
  single_nat_gateway     = false
  one_nat_gateway_per_az = true
}
