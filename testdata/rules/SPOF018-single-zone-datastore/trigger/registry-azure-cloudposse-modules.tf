# Azure Verified Modules and Cloud Posse modules judged at the call:
# flexible servers whose standby shares the primary's zone, a Basic Redis
# cache, an RDS instance without Multi-AZ (the module's default), a
# one-node Elasticsearch domain, Kafka brokers in one zone.
module "orders_pg" {
  source              = "Azure/avm-res-dbforpostgresql-flexibleserver/azurerm"
  name                = "orders"
  location            = "westeurope"
  resource_group_name = "shop"
  high_availability = {
    mode = "SameZone"
  }
}

module "orders_mysql" {
  source              = "Azure/avm-res-dbformysql-flexibleserver/azurerm"
  name                = "orders-mysql"
  location            = "westeurope"
  resource_group_name = "shop"
  high_availability   = { mode = "SameZone" }
}

module "sessions" {
  source              = "Azure/avm-res-cache-redis/azurerm"
  name                = "sessions"
  location            = "westeurope"
  resource_group_name = "shop"
  sku_name            = "Basic"
}

module "billing_db" {
  source         = "cloudposse/rds/aws"
  name           = "billing"
  engine         = "postgres"
  instance_class = "db.t3.medium"
}

module "es" {
  source         = "cloudposse/elasticsearch/aws"
  name           = "es"
  instance_count = 1
}

resource "aws_subnet" "a" {
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}

module "kafka" {
  source               = "cloudposse/msk-apache-kafka-cluster/aws"
  name                 = "kafka"
  kafka_version        = "3.6.0"
  broker_instance_type = "kafka.m5.large"
  subnet_ids           = [aws_subnet.a.id]
}
