# A container registry in westeurope, without geo-replication.
resource "azurerm_container_registry" "shop" {
  name                = "shopimages"
  resource_group_name = "shop"
  location            = "westeurope"
  sku                 = "Premium"
}
