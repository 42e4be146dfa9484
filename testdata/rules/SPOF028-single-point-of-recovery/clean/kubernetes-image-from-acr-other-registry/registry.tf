# A container registry in westeurope, without geo-replication, but not the
# one the cluster's images come from (`shopimages.azurecr.io`).
resource "azurerm_container_registry" "tools" {
  name                = "toolimages"
  resource_group_name = "shop"
  location            = "westeurope"
  sku                 = "Premium"
}
