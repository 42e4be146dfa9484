resource "azurerm_virtual_network_gateway" "vpn" {
  name                = "vpn"
  location            = "westeurope"
  resource_group_name = "prod"
  type                = "Vpn"
  vpn_type            = "RouteBased"
  sku                 = "VpnGw2"

  ip_configuration {
    name                 = "config"
    public_ip_address_id = "/subscriptions/0/resourceGroups/prod/providers/Microsoft.Network/publicIPAddresses/vpn"
    subnet_id            = "/subscriptions/0/resourceGroups/prod/providers/Microsoft.Network/virtualNetworks/v/subnets/GatewaySubnet"
  }
}
