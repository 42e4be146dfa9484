# The registry in northeurope is replicated to westeurope, where the app
# runs.
resource "azurerm_container_registry" "acr" {
  name                = "shopacr"
  resource_group_name = "shop"
  location            = "northeurope"
  sku                 = "Premium"

  georeplications {
    location                = "westeurope"
    zone_redundancy_enabled = true
  }
}

resource "azurerm_linux_web_app" "web" {
  name                = "web"
  resource_group_name = "shop"
  location            = "westeurope"
  service_plan_id     = "plan"

  site_config {
    application_stack {
      docker_image_name   = "web:1.4"
      docker_registry_url = "https://${azurerm_container_registry.acr.login_server}"
    }
  }
}
