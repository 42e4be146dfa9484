# Subnets in three distinct zones of the region's list, all given to the
# node group.
data "aws_availability_zones" "available" {}

locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)
}

resource "aws_subnet" "private" {
  count             = length(local.azs)
  vpc_id            = "vpc-0example"
  cidr_block        = cidrsubnet("10.0.0.0/16", 4, count.index)
  availability_zone = local.azs[count.index]
}

resource "aws_eks_node_group" "workers" {
  cluster_name    = "main"
  node_group_name = "workers"
  node_role_arn   = "arn:aws:iam::123456789012:role/workers"
  subnet_ids      = aws_subnet.private[*].id

  scaling_config {
    desired_size = 3
    max_size     = 6
    min_size     = 3
  }
}
