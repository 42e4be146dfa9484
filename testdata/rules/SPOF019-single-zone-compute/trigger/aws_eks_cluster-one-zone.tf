# EKS itself refuses subnets that are not in two availability zones at
# apply time; spof says so at review time.
resource "aws_subnet" "private" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.10.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_eks_cluster" "main" {
  name     = "main"
  role_arn = "arn:aws:iam::123456789012:role/eks-cluster"
  version  = "1.31"

  vpc_config {
    subnet_ids              = [aws_subnet.private.id]
    endpoint_private_access = true
  }
}
