resource "azurerm_firewall" "hub" {
  name                = "hub"
  location            = "westeurope"
  resource_group_name = "prod"
  sku_name            = "AZFW_VNet"
  sku_tier            = "Standard"
  zones               = ["1"]

  ip_configuration {
    name                 = "config"
    subnet_id            = "/subscriptions/0/resourceGroups/prod/providers/Microsoft.Network/virtualNetworks/v/subnets/AzureFirewallSubnet"
    public_ip_address_id = "/subscriptions/0/resourceGroups/prod/providers/Microsoft.Network/publicIPAddresses/fw"
  }
}
