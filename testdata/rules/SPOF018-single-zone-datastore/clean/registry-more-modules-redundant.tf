# Registry modules whose arguments (or defaults) keep them redundant:
# brokers over three zones, OpenSearch and Elasticsearch with the modules'
# defaults, a regional EFS, zone-redundant flexible servers (the default),
# a Premium Redis cache, RDS with Multi-AZ, a DynamoDB table, and calls
# that create nothing.
resource "aws_subnet" "a" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.2.0/24"
  availability_zone = "eu-west-1b"
}

resource "aws_subnet" "c" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.3.0/24"
  availability_zone = "eu-west-1c"
}

module "kafka" {
  source                     = "terraform-aws-modules/msk-kafka-cluster/aws"
  number_of_broker_nodes     = 3
  broker_node_client_subnets = [aws_subnet.a.id, aws_subnet.b.id, aws_subnet.c.id]
}

module "search" {
  source      = "terraform-aws-modules/opensearch/aws"
  domain_name = "search"
}

module "search_tuned" {
  source      = "terraform-aws-modules/opensearch/aws"
  domain_name = "tuned"
  cluster_config = {
    instance_type = "r6g.large.search"
  }
}

module "search_off" {
  source = "terraform-aws-modules/opensearch/aws"
  create = false
  cluster_config = {
    instance_count = 1
  }
}

module "files" {
  source = "terraform-aws-modules/efs/aws"
  name   = "files"
}

module "table" {
  source   = "terraform-aws-modules/dynamodb-table/aws"
  name     = "orders"
  hash_key = "id"
}

module "orders_pg" {
  source              = "Azure/avm-res-dbforpostgresql-flexibleserver/azurerm"
  name                = "orders"
  location            = "westeurope"
  resource_group_name = "shop"
}

module "orders_mysql" {
  source              = "Azure/avm-res-dbformysql-flexibleserver/azurerm"
  name                = "orders-mysql"
  location            = "westeurope"
  resource_group_name = "shop"
  high_availability   = { mode = "ZoneRedundant" }
}

module "sessions" {
  source              = "Azure/avm-res-cache-redis/azurerm"
  name                = "sessions"
  location            = "westeurope"
  resource_group_name = "shop"
  zones               = ["1", "2", "3"]
}

module "billing_db" {
  source   = "cloudposse/rds/aws"
  name     = "billing"
  multi_az = true
}

module "es" {
  source = "cloudposse/elasticsearch/aws"
  name   = "es"
}

module "es_off" {
  source         = "cloudposse/elasticsearch/aws"
  enabled        = false
  instance_count = 1
}

module "kafka_cp" {
  source     = "cloudposse/msk-apache-kafka-cluster/aws"
  name       = "kafka"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id, aws_subnet.c.id]
}
