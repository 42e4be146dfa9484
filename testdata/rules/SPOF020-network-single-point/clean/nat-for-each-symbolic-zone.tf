# One NAT gateway in each of three zones of the provider's region, made
# with `for_each` over the zones, each serving the private subnet of its
# own zone: the keys keep the zones apart.
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
  for_each          = local.azs
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.1.0/24"
  availability_zone = each.value
}

resource "aws_nat_gateway" "this" {
  for_each      = local.azs
  allocation_id = "eipalloc-0example"
  subnet_id     = aws_subnet.public[each.key].id
}

resource "aws_route_table" "private" {
  for_each = local.azs
  vpc_id   = "vpc-0example"

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.this[each.key].id
  }
}

resource "aws_route_table_association" "private" {
  for_each       = local.azs
  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}
