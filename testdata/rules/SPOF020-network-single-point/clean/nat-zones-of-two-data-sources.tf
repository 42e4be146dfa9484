# Zones of two different data sources may be the same zone or not: a NAT
# gateway in the first zone of one list, serving a subnet in the second
# zone of another, is not known to serve another zone.
data "aws_availability_zones" "a" {}
data "aws_availability_zones" "b" {}

resource "aws_subnet" "public" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.100.0/24"
  availability_zone = data.aws_availability_zones.a.names[0]
}

resource "aws_subnet" "private" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.1.0/24"
  availability_zone = data.aws_availability_zones.b.names[1]
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
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}
