resource "azurerm_container_app_environment" "apps" {
  name                = "apps"
  location            = "westeurope"
  resource_group_name = "prod"
  infrastructure_subnet_id = "/subscriptions/0/resourceGroups/prod/providers/Microsoft.Network/virtualNetworks/v/subnets/apps"
  zone_redundancy_enabled  = true
}
