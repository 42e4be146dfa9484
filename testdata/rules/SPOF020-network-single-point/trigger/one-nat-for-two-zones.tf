resource "aws_subnet" "public" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.0.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.${count.index + 1}.0/24"
  availability_zone = ["eu-west-1a", "eu-west-1b"][count.index]
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
  count          = 2
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}
