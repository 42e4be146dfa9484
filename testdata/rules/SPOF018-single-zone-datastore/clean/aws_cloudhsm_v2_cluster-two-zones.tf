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

resource "aws_cloudhsm_v2_cluster" "keys" {
  hsm_type   = "hsm1.medium"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}

resource "aws_cloudhsm_v2_hsm" "one" {
  cluster_id = aws_cloudhsm_v2_cluster.keys.cluster_id
  subnet_id  = aws_subnet.a.id
}

resource "aws_cloudhsm_v2_hsm" "two" {
  cluster_id = aws_cloudhsm_v2_cluster.keys.cluster_id
  subnet_id  = aws_subnet.b.id
}
