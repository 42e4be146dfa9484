resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_eks_fargate_profile" "apps" {
  cluster_name           = "prod"
  fargate_profile_name   = "apps"
  pod_execution_role_arn = "arn:aws:iam::123456789012:role/fargate"
  subnet_ids             = [aws_subnet.a.id]

  selector {
    namespace = "apps"
  }
}
