resource "azurerm_redis_cache" "sessions" {
  name                = "redis-sessions"
  location            = "westeurope"
  resource_group_name = "rg-data"
  capacity            = 1
  family              = "P"
  sku_name            = "Premium"
  zones               = ["1"]
  minimum_tls_version = "1.2"
  subnet_id           = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/redis"
}
