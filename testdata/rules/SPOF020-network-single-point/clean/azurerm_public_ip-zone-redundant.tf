resource "azurerm_public_ip" "ingress" {
  name                = "pip-ingress"
  resource_group_name = "rg-net"
  location            = "westeurope"
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = ["1", "2", "3"]
}
