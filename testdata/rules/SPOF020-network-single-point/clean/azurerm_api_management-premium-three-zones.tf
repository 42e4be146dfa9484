resource "azurerm_api_management" "api" {
  name                = "api"
  location            = "westeurope"
  resource_group_name = "prod"
  publisher_name      = "Example"
  publisher_email     = "api@example.com"
  sku_name            = "Premium_3"
  zones               = ["1", "2", "3"]
}
