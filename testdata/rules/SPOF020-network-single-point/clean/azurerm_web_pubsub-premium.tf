resource "azurerm_web_pubsub" "hub" {
  name                = "hub"
  location            = "westeurope"
  resource_group_name = "prod"
  sku                 = "Premium_P1"
}
