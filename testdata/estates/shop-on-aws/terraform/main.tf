# The shop's AWS estate: a VPC over three zones, an EKS cluster, the orders
# database and the session cache.

provider "aws" {
  region = "eu-west-1"
}

variable "zones" {
  type    = list(string)
  default = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "orders_db_multi_az" {
  type    = bool
  default = true
}

resource "aws_subnet" "public" {
  for_each          = toset(var.zones)
  vpc_id            = "vpc-0shop"
  cidr_block        = "10.0.${index(var.zones, each.value)}.0/24"
  availability_zone = each.value
}

resource "aws_subnet" "private" {
  for_each          = toset(var.zones)
  vpc_id            = "vpc-0shop"
  cidr_block        = "10.0.${index(var.zones, each.value) + 10}.0/24"
  availability_zone = each.value
}

# One NAT gateway to save money: every zone's private subnet leaves through it.
resource "aws_nat_gateway" "main" {
  allocation_id = "eipalloc-0shop"
  subnet_id     = aws_subnet.public["eu-west-1a"].id
}

resource "aws_route_table" "private" {
  vpc_id = "vpc-0shop"

  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.main.id
  }
}

resource "aws_route_table_association" "private" {
  for_each       = aws_subnet.private
  subnet_id      = each.value.id
  route_table_id = aws_route_table.private.id
}

resource "aws_eks_cluster" "main" {
  name     = "shop"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids = [for s in aws_subnet.private : s.id]
  }
}

resource "aws_eks_node_group" "default" {
  cluster_name    = aws_eks_cluster.main.name
  node_group_name = "default"
  node_role_arn   = "arn:aws:iam::123456789012:role/nodes"
  subnet_ids      = [for s in aws_subnet.private : s.id]

  scaling_config {
    desired_size = 6
    min_size     = 3
    max_size     = 12
  }
}

module "orders_db" {
  source   = "./modules/db"
  name     = "orders"
  multi_az = var.orders_db_multi_az
}

resource "aws_elasticache_replication_group" "sessions" {
  replication_group_id       = "sessions"
  description                = "checkout sessions"
  node_type                  = "cache.r7g.large"
  num_cache_clusters         = 2
  automatic_failover_enabled = true
  multi_az_enabled           = true
}
