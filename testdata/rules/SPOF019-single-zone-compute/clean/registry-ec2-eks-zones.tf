# EC2 instances from the registry module, one per zone (judged together),
# one that is not created, and an EKS cluster over two zones.
resource "aws_subnet" "app" {
  count             = 3
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.${count.index}.0/24"
  availability_zone = ["eu-west-1a", "eu-west-1b", "eu-west-1c"][count.index]
}

module "web" {
  source        = "terraform-aws-modules/ec2-instance/aws"
  count         = 3
  name          = "web-${count.index}"
  instance_type = "t3.small"
  subnet_id     = aws_subnet.app[count.index].id
}

module "spare" {
  source = "terraform-aws-modules/ec2-instance/aws"
  create = false
  name   = "spare"
}

module "eks" {
  source       = "terraform-aws-modules/eks/aws"
  cluster_name = "shop"
  subnet_ids   = [aws_subnet.app[0].id, aws_subnet.app[1].id]
}

# Node groups given inline over three zones, their own or the cluster's,
# one that is not created, and none at all when the cluster is not.
module "eks_groups" {
  source       = "terraform-aws-modules/eks/aws"
  cluster_name = "groups"
  subnet_ids   = aws_subnet.app[*].id

  eks_managed_node_groups = {
    default = {
      instance_types = ["m6i.large"]
    }
    spread = {
      subnet_ids = [aws_subnet.app[0].id, aws_subnet.app[2].id]
    }
    off = {
      create     = false
      subnet_ids = [aws_subnet.app[0].id]
    }
  }
  self_managed_node_groups = {
    workers = {
      instance_type = "m6i.large"
    }
  }
}

module "eks_off" {
  source     = "terraform-aws-modules/eks/aws"
  create     = false
  subnet_ids = [aws_subnet.app[0].id]

  eks_managed_node_groups = {
    default = {
      subnet_ids = [aws_subnet.app[0].id]
    }
  }
}
