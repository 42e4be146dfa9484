resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_emr_cluster" "etl" {
  name          = "etl"
  release_label = "emr-7.1.0"
  service_role  = "arn:aws:iam::123456789012:role/emr"

  ec2_attributes {
    subnet_id        = aws_subnet.a.id
    instance_profile = "arn:aws:iam::123456789012:instance-profile/emr"
  }

  master_instance_group {
    instance_type = "m5.xlarge"
  }
}
