resource "azurerm_signalr_service" "hub" {
  name                = "hub"
  location            = "westeurope"
  resource_group_name = "prod"

  sku {
    name     = "Premium_P1"
    capacity = 1
  }
}
