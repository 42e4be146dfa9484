resource "aws_subnet" "private" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.10.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_eks_node_group" "general" {
  cluster_name    = "main"
  node_group_name = "general"
  node_role_arn   = "arn:aws:iam::123456789012:role/eks-node"
  subnet_ids      = [aws_subnet.private.id]
  instance_types  = ["m6i.large"]

  scaling_config {
    desired_size = 3
    min_size     = 3
    max_size     = 6
  }
}
