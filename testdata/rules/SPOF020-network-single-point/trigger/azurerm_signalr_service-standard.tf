resource "azurerm_signalr_service" "hub" {
  name                = "hub"
  location            = "westeurope"
  resource_group_name = "prod"

  sku {
    name     = "Standard_S1"
    capacity = 1
  }
}
