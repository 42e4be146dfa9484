# Registry modules for AWS judged at the call: Kafka brokers whose client
# subnets are all in one zone, OpenSearch domains with one data node, no
# zone awareness or one dedicated master, a One Zone EFS file system.
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

module "kafka" {
  source                     = "terraform-aws-modules/msk-kafka-cluster/aws"
  name                       = "events"
  number_of_broker_nodes     = 2
  broker_node_client_subnets = [aws_subnet.a.id, aws_subnet.b.id]
}

module "search" {
  source      = "terraform-aws-modules/opensearch/aws"
  domain_name = "search"
  cluster_config = {
    instance_count         = 1
    zone_awareness_enabled = false
  }
}

module "logs" {
  source      = "terraform-aws-modules/opensearch/aws"
  domain_name = "logs"
  cluster_config = {
    dedicated_master_count = 1
  }
}

module "shared_files" {
  source                 = "terraform-aws-modules/efs/aws"
  name                   = "shared"
  availability_zone_name = "eu-west-1a"
}
