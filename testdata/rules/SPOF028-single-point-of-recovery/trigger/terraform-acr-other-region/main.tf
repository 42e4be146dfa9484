# The app runs in westeurope; its images come from a registry that only
# northeurope serves.
resource "azurerm_container_registry" "acr" {
  name                = "shopacr"
  resource_group_name = "shop"
  location            = "northeurope"
  sku                 = "Premium"
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
