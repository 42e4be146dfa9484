resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.${count.index + 10}.0/24"
  availability_zone = ["eu-west-1a", "eu-west-1b"][count.index]
}

resource "aws_elasticsearch_domain" "search" {
  domain_name           = "search"
  elasticsearch_version = "7.10"

  cluster_config {
    instance_type          = "r5.large.elasticsearch"
    instance_count         = 4
    zone_awareness_enabled = true

    zone_awareness_config {
      availability_zone_count = 2
    }
  }

  ebs_options {
    ebs_enabled = true
    volume_size = 50
  }

  vpc_options {
    subnet_ids         = aws_subnet.private[*].id
    security_group_ids = ["sg-0example"]
  }
}
