# MSK asks for two or three client subnets in distinct zones at apply time;
# spof says so at review time.
resource "aws_subnet" "private" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.10.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_msk_cluster" "events" {
  cluster_name           = "events"
  kafka_version          = "3.6.0"
  number_of_broker_nodes = 2

  broker_node_group_info {
    instance_type   = "kafka.m5.large"
    client_subnets  = [aws_subnet.private.id]
    security_groups = ["sg-0example"]

    storage_info {
      ebs_storage_info {
        volume_size = 1000
      }
    }
  }
}
