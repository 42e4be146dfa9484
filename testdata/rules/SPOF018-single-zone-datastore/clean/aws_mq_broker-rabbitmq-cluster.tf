resource "aws_mq_broker" "jobs" {
  broker_name                = "jobs"
  engine_type                = "RabbitMQ"
  engine_version             = "3.13"
  auto_minor_version_upgrade = true
  host_instance_type         = "mq.m5.large"
  deployment_mode            = "CLUSTER_MULTI_AZ"
  subnet_ids                 = ["subnet-0aaa", "subnet-0bbb", "subnet-0ccc"]
  security_groups            = ["sg-0example"]

  user {
    username = "jobs"
    password = "change-me-please"
  }
}
