resource "aws_subnet" "a" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = "vpc-0123456789abcdef0"
  cidr_block        = "10.0.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_batch_compute_environment" "jobs" {
  compute_environment_name = "jobs"
  type                     = "MANAGED"

  compute_resources {
    type               = "EC2"
    max_vcpus          = 16
    instance_type      = ["c6g.large"]
    instance_role      = "arn:aws:iam::123456789012:instance-profile/batch"
    security_group_ids = ["sg-0123456789abcdef0"]
    subnets            = [aws_subnet.a.id, aws_subnet.b.id]
  }
}
