# The zones come from the provider: their names are not known, but
# `slice(…, 0, 3)` is three distinct zones, and the subnet arithmetic of
# terraform-aws-modules/vpc (`regexall` on the zone, `cidrsubnet`) is
# evaluated.
data "aws_availability_zones" "available" {}

locals {
  azs             = slice(data.aws_availability_zones.available.names, 0, 3)
  private_subnets = [for k, v in local.azs : cidrsubnet("10.0.0.0/16", 8, k)]
}

resource "aws_subnet" "public" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.100.0/24"
  availability_zone = local.azs[0]
}

resource "aws_subnet" "private" {
  count             = length(local.private_subnets)
  vpc_id            = "vpc-0example"
  cidr_block        = local.private_subnets[count.index]
  availability_zone = length(regexall("^[a-z]{2}-", element(local.azs, count.index))) > 0 ? element(local.azs, count.index) : null
}

resource "aws_nat_gateway" "this" {
  allocation_id = "eipalloc-0example"
  subnet_id     = aws_subnet.public.id
}

resource "aws_route_table" "private" {
  vpc_id = "vpc-0example"

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.this.id
  }
}

resource "aws_route_table_association" "private" {
  count          = length(local.private_subnets)
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}
