resource "azurerm_mysql_server" "db" {
  name                = "db"
  location            = "westeurope"
  resource_group_name = "prod"
  sku_name            = "GP_Gen5_2"
  version             = "8.0"
}
