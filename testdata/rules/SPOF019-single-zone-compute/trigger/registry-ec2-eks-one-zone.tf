# A lone EC2 instance from the registry module, and an EKS cluster whose
# control plane subnets are all in one zone.
resource "aws_subnet" "a" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.2.0/24"
  availability_zone = "eu-west-1a"
}

module "bastion" {
  source        = "terraform-aws-modules/ec2-instance/aws"
  name          = "bastion"
  instance_type = "t3.micro"
  subnet_id     = aws_subnet.a.id
}

module "eks" {
  source                   = "terraform-aws-modules/eks/aws"
  cluster_name             = "shop"
  subnet_ids               = [aws_subnet.a.id, aws_subnet.b.id]
  control_plane_subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}

# Node groups given inline: one in its own subnet, one that takes the
# cluster's `subnet_ids`, both in one zone.
module "eks_groups" {
  source       = "terraform-aws-modules/eks/aws"
  cluster_name = "groups"
  subnet_ids   = [aws_subnet.a.id, aws_subnet.b.id]
  control_plane_subnet_ids = [
    "subnet-0aaaaaaaaaaaaaaaa",
    "subnet-0bbbbbbbbbbbbbbbb",
  ]

  eks_managed_node_groups = {
    pinned = {
      instance_types = ["m6i.large"]
      subnet_ids     = [aws_subnet.a.id]
    }
    default = {
      instance_types = ["m6i.large"]
    }
  }
}
