resource "azurerm_container_registry" "images" {
  name                = "images"
  location            = "westeurope"
  resource_group_name = "prod"
  sku                 = "Premium"
}
