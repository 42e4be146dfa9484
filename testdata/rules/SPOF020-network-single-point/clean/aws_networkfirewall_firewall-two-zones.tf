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

resource "aws_networkfirewall_firewall" "edge" {
  name                = "edge"
  firewall_policy_arn = "arn:aws:network-firewall:us-east-1:123456789012:firewall-policy/edge"
  vpc_id              = "vpc-0123456789abcdef0"

  subnet_mapping {
    subnet_id = aws_subnet.a.id
  }

  subnet_mapping {
    subnet_id = aws_subnet.b.id
  }
}
