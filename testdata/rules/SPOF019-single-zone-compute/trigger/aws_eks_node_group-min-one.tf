locals {
  zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

resource "aws_subnet" "private" {
  count             = length(local.zones)
  vpc_id            = "vpc-0example"
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index + 10)
  availability_zone = local.zones[count.index]
}

resource "aws_eks_node_group" "batch" {
  cluster_name    = "main"
  node_group_name = "batch"
  node_role_arn   = "arn:aws:iam::123456789012:role/eks-node"
  subnet_ids      = aws_subnet.private[*].id
  instance_types  = ["c6i.xlarge"]

  scaling_config {
    desired_size = 1
    min_size     = 1
    max_size     = 4
  }
}
