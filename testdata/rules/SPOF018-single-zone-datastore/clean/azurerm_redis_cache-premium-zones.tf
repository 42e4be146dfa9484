resource "azurerm_redis_cache" "sessions" {
  name                 = "redis-sessions"
  location             = "westeurope"
  resource_group_name  = "rg-data"
  capacity             = 1
  family               = "P"
  sku_name             = "Premium"
  replicas_per_primary = 2
  zones                = ["1", "2", "3"]
  minimum_tls_version  = "1.2"

  redis_configuration {
    maxmemory_policy = "allkeys-lru"
  }
}
