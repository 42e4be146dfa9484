provider "aws" {
  region = "ap-northeast-2"
}

resource "aws_eks_cluster" "main" {
  name     = "main"
  role_arn = "arn:aws:iam::123456789012:role/eks"

  vpc_config {
    subnet_ids = ["subnet-0aaa", "subnet-0bbb", "subnet-0ccc"]
  }
}

resource "aws_eks_identity_provider_config" "dex" {
  cluster_name = aws_eks_cluster.main.name

  oidc {
    client_id                     = "kubernetes"
    identity_provider_config_name = "dex"
    issuer_url                    = "https://login.example.com/dex"
  }
}
