resource "azurerm_redis_enterprise_cluster" "cache" {
  name                = "cache"
  location            = "westeurope"
  resource_group_name = "prod"
  sku_name            = "Enterprise_E10-2"
  zones               = ["1"]
}
