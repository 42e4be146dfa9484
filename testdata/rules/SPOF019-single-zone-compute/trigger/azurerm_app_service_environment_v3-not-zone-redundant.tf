resource "azurerm_app_service_environment_v3" "ase" {
  name                = "ase"
  resource_group_name = "prod"
  subnet_id           = "/subscriptions/0/resourceGroups/prod/providers/Microsoft.Network/virtualNetworks/v/subnets/ase"
}
