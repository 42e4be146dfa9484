resource "azurerm_container_group" "api" {
  for_each            = toset(["1", "2"])
  name                = "api-${each.key}"
  location            = "westeurope"
  resource_group_name = "prod"
  zones               = [each.key]
  os_type             = "Linux"

  container {
    name   = "api"
    image  = "example.azurecr.io/api:1.0"
    cpu    = 1
    memory = 2
  }
}
