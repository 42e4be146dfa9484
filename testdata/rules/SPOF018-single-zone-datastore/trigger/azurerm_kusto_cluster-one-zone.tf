resource "azurerm_kusto_cluster" "logs" {
  name                = "logs"
  location            = "westeurope"
  resource_group_name = "prod"
  zones               = ["1"]

  sku {
    name     = "Standard_D13_v2"
    capacity = 2
  }
}
