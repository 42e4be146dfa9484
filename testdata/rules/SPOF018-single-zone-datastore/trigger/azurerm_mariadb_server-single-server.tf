resource "azurerm_mariadb_server" "db" {
  name                = "db"
  location            = "westeurope"
  resource_group_name = "prod"
  sku_name            = "GP_Gen5_2"
  version             = "10.3"
}
