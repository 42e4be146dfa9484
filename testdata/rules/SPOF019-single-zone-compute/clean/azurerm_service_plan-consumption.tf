# The Consumption plan (Y1) has no workers of its own to place.
resource "azurerm_service_plan" "functions" {
  name                = "functions"
  resource_group_name = "rg-fn"
  location            = "westeurope"
  os_type             = "Linux"
  sku_name            = "Y1"
}
