locals {
  frontend_ip   = "appgw-frontend-ip"
  frontend_port = "appgw-http"
  backend_pool  = "appgw-backend"
  http_settings = "appgw-http-settings"
  listener      = "appgw-listener"
}

resource "azurerm_public_ip" "appgw" {
  name                = "pip-appgw"
  resource_group_name = "rg-net"
  location            = "westeurope"
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = ["1", "2", "3"]
}

resource "azurerm_application_gateway" "front" {
  name                = "appgw-front"
  resource_group_name = "rg-net"
  location            = "westeurope"
  zones               = ["1", "2", "3"]

  sku {
    name = "Standard_v2"
    tier = "Standard_v2"
  }

  autoscale_configuration {
    min_capacity = 2
    max_capacity = 10
  }

  gateway_ip_configuration {
    name      = "appgw-ip-config"
    subnet_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/appgw"
  }

  frontend_port {
    name = local.frontend_port
    port = 80
  }

  frontend_ip_configuration {
    name                 = local.frontend_ip
    public_ip_address_id = azurerm_public_ip.appgw.id
  }

  backend_address_pool {
    name  = local.backend_pool
    fqdns = ["shop-web.azurewebsites.net"]
  }

  backend_http_settings {
    name                  = local.http_settings
    cookie_based_affinity = "Disabled"
    port                  = 80
    protocol              = "Http"
    request_timeout       = 30
  }

  http_listener {
    name                           = local.listener
    frontend_ip_configuration_name = local.frontend_ip
    frontend_port_name             = local.frontend_port
    protocol                       = "Http"
  }

  request_routing_rule {
    name                       = "appgw-rule"
    priority                   = 100
    rule_type                  = "Basic"
    http_listener_name         = local.listener
    backend_address_pool_name  = local.backend_pool
    backend_http_settings_name = local.http_settings
  }
}
