# Subnets made with `for_each` over three zones of the provider's region:
# one instance per zone, keyed by a zone whose name is not known, and the
# three zones distinct. One NAT gateway serves the private subnets of all
# three.
data "aws_availability_zones" "available" {}

locals {
  azs = toset(slice(data.aws_availability_zones.available.names, 0, 3))
}

resource "aws_subnet" "public" {
  for_each          = local.azs
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.100.0/24"
  availability_zone = each.key
}

resource "aws_subnet" "private" {
  for_each          = { for i, az in tolist(local.azs) : az => cidrsubnet("10.0.0.0/16", 8, i) }
  vpc_id            = "vpc-0example"
  cidr_block        = each.value
  availability_zone = each.key
}

resource "aws_nat_gateway" "this" {
  allocation_id = "eipalloc-0example"
  subnet_id     = aws_subnet.public[tolist(local.azs)[0]].id
}

resource "aws_route_table" "private" {
  vpc_id = "vpc-0example"

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.this.id
  }
}

resource "aws_route_table_association" "private" {
  for_each       = aws_subnet.private
  subnet_id      = each.value.id
  route_table_id = aws_route_table.private.id
}
