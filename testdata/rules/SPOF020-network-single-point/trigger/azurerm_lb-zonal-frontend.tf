resource "azurerm_lb" "internal" {
  name                = "lb-internal"
  location            = "westeurope"
  resource_group_name = "rg-net"
  sku                 = "Standard"

  frontend_ip_configuration {
    name                          = "internal"
    subnet_id                     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/app"
    private_ip_address_allocation = "Static"
    private_ip_address            = "10.1.0.10"
    zones                         = ["1"]
  }
}
