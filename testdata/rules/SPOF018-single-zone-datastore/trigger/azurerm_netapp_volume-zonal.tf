resource "azurerm_netapp_volume" "data" {
  name                = "data"
  location            = "westeurope"
  resource_group_name = "prod"
  account_name        = "netapp"
  pool_name           = "pool"
  volume_path         = "data"
  service_level       = "Premium"
  subnet_id           = "/subscriptions/0/resourceGroups/prod/providers/Microsoft.Network/virtualNetworks/v/subnets/anf"
  storage_quota_in_gb = 100
  zone                = "1"
}
