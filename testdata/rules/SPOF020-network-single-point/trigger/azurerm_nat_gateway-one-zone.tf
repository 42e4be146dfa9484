resource "azurerm_nat_gateway" "egress" {
  name                = "egress"
  location            = "westeurope"
  resource_group_name = "prod"
  sku_name            = "Standard"
  zones               = ["1"]
}
