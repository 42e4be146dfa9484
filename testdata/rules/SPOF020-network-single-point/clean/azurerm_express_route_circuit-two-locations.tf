resource "azurerm_express_route_circuit" "ams" {
  name                = "ams"
  location            = "westeurope"
  resource_group_name = "prod"
  service_provider_name = "Equinix"
  peering_location      = "Amsterdam"
  bandwidth_in_mbps     = 1000

  sku {
    tier   = "Standard"
    family = "MeteredData"
  }
}

resource "azurerm_express_route_circuit" "lon" {
  name                = "lon"
  location            = "westeurope"
  resource_group_name = "prod"
  service_provider_name = "Equinix"
  peering_location      = "London"
  bandwidth_in_mbps     = 1000

  sku {
    tier   = "Standard"
    family = "MeteredData"
  }
}
