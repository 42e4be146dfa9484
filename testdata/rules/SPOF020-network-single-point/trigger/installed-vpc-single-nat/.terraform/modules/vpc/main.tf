variable "azs" {
  type    = list(string)
  default = []
}

variable "private_subnets" {
  type    = list(string)
  default = []
}

variable "public_subnets" {
  type    = list(string)
  default = []
}

variable "enable_nat_gateway" {
  type    = bool
  default = false
}

variable "single_nat_gateway" {
  type    = bool
  default = false
}

variable "one_nat_gateway_per_az" {
  type    = bool
  default = false
}

locals {
  max_subnet_length = max(length(var.private_subnets), length(var.public_subnets))
  nat_gateway_count = var.single_nat_gateway ? 1 : var.one_nat_gateway_per_az ? length(var.azs) : local.max_subnet_length
  # One private route table per NAT gateway.
  route_table_count = var.single_nat_gateway || !var.enable_nat_gateway ? 1 : local.nat_gateway_count
}

resource "aws_subnet" "public" {
  count             = length(var.public_subnets)
  vpc_id            = "vpc-0example"
  cidr_block        = var.public_subnets[count.index]
  availability_zone = element(var.azs, count.index)
}

resource "aws_subnet" "private" {
  count             = length(var.private_subnets)
  vpc_id            = "vpc-0example"
  cidr_block        = var.private_subnets[count.index]
  availability_zone = element(var.azs, count.index)
}

resource "aws_nat_gateway" "this" {
  count         = var.enable_nat_gateway ? local.nat_gateway_count : 0
  allocation_id = "eipalloc-0example"
  subnet_id     = element(aws_subnet.public[*].id, var.single_nat_gateway ? 0 : count.index)
}

resource "aws_route_table" "private" {
  count  = local.route_table_count
  vpc_id = "vpc-0example"
}

resource "aws_route" "private_nat_gateway" {
  count                  = var.enable_nat_gateway ? local.nat_gateway_count : 0
  route_table_id         = element(aws_route_table.private[*].id, count.index)
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = element(aws_nat_gateway.this[*].id, count.index)
}

resource "aws_route_table_association" "private" {
  count          = length(var.private_subnets)
  subnet_id      = element(aws_subnet.private[*].id, count.index)
  route_table_id = element(aws_route_table.private[*].id, var.single_nat_gateway ? 0 : count.index)
}
