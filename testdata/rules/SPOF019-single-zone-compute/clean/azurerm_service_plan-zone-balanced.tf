resource "azurerm_service_plan" "web" {
  name                   = "web"
  resource_group_name    = "rg-web"
  location               = "westeurope"
  os_type                = "Linux"
  sku_name               = "P1v3"
  worker_count           = 3
  zone_balancing_enabled = true
}

resource "azurerm_linux_web_app" "shop" {
  name                = "shop-web"
  resource_group_name = "rg-web"
  location            = "westeurope"
  service_plan_id     = azurerm_service_plan.web.id

  site_config {
    always_on = true
  }
}
