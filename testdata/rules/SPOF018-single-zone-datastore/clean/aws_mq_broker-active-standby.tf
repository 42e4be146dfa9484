resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.${count.index + 10}.0/24"
  availability_zone = ["eu-west-1a", "eu-west-1b"][count.index]
}

resource "aws_mq_broker" "orders" {
  broker_name        = "orders"
  engine_type        = "ActiveMQ"
  engine_version     = "5.18"
  host_instance_type = "mq.m5.large"
  deployment_mode    = "ACTIVE_STANDBY_MULTI_AZ"
  subnet_ids         = aws_subnet.private[*].id
  security_groups    = ["sg-0example"]

  user {
    username = "orders"
    password = "change-me-please"
  }
}
