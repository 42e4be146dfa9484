resource "azurerm_search_service" "find" {
  name                = "find"
  location            = "westeurope"
  resource_group_name = "prod"
  sku                 = "free"
}
