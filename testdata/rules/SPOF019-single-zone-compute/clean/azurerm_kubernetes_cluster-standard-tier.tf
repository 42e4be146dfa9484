resource "azurerm_kubernetes_cluster" "prod" {
  name                = "prod"
  location            = "westeurope"
  resource_group_name = "prod"
  dns_prefix          = "prod"
  sku_tier            = "Standard"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 3
    zones      = ["1", "2", "3"]
  }
}
