resource "azurerm_redis_cache" "sessions" {
  name                 = "redis-sessions"
  location             = "westeurope"
  resource_group_name  = "rg-data"
  capacity             = 1
  family               = "C"
  sku_name             = "Basic"
  minimum_tls_version  = "1.2"
  non_ssl_port_enabled = false
}
