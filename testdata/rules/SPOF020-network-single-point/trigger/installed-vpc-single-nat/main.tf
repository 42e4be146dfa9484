# A VPC module installed by `terraform init`, asked for one NAT gateway:
# the finding is at `single_nat_gateway = true`, where the caller changes
# it; the NAT gateway in the module's code is a related location.
data "aws_availability_zones" "available" {}

module "vpc" {
  source  = "example-corp/vpc/aws"
  version = "6.0.0"

  azs                = slice(data.aws_availability_zones.available.names, 0, 3)
  private_subnets    = ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
  public_subnets     = ["10.0.101.0/24", "10.0.102.0/24", "10.0.103.0/24"]
  enable_nat_gateway = true
  single_nat_gateway = true
}
