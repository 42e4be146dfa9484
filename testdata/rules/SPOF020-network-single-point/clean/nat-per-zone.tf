locals {
  zones = ["eu-west-1a", "eu-west-1b"]
}

resource "aws_subnet" "public" {
  count             = 2
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.${count.index}.0/24"
  availability_zone = local.zones[count.index]
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.${count.index + 10}.0/24"
  availability_zone = local.zones[count.index]
}

resource "aws_nat_gateway" "this" {
  count         = 2
  allocation_id = "eipalloc-0example"
  subnet_id     = aws_subnet.public[count.index].id
}

resource "aws_route_table" "private" {
  count  = 2
  vpc_id = "vpc-0example"

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.this[count.index].id
  }
}

resource "aws_route_table_association" "private" {
  count          = 2
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}
