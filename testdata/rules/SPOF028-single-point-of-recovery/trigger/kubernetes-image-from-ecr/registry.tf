# The repository the cluster's images come from, declared in us-east-1
# and replicated nowhere.
provider "aws" {
  region = "us-east-1"
}

resource "aws_ecr_repository" "web" {
  name = "shop/web"
}
