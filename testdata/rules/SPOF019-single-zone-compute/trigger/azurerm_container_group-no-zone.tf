resource "azurerm_container_group" "api" {
  name                = "api"
  location            = "westeurope"
  resource_group_name = "prod"
  os_type             = "Linux"

  container {
    name   = "api"
    image  = "example.azurecr.io/api:1.0"
    cpu    = 1
    memory = 2
  }
}
