# One NAT gateway in each of three distinct zones, each serving the private
# subnet of its own zone: `element(…, count.index)` keeps the zones apart.
data "aws_availability_zones" "available" {}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)
}

resource "aws_subnet" "public" {
  count             = 3
  vpc_id            = "vpc-0example"
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index + 100)
  availability_zone = element(local.azs, count.index)
}

resource "aws_subnet" "private" {
  count             = 3
  vpc_id            = "vpc-0example"
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
  availability_zone = element(local.azs, count.index)
}

resource "aws_nat_gateway" "this" {
  count         = 3
  allocation_id = "eipalloc-0example"
  subnet_id     = aws_subnet.public[count.index].id
}

resource "aws_route_table" "private" {
  count  = 3
  vpc_id = "vpc-0example"

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.this[count.index].id
  }
}

resource "aws_route_table_association" "private" {
  count          = 3
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}
