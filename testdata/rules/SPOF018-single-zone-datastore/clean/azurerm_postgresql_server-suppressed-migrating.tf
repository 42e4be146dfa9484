# spof:ignore[SPOF018] being migrated to a flexible server
resource "azurerm_postgresql_server" "db" {
  name                = "db"
  location            = "westeurope"
  resource_group_name = "prod"
  sku_name            = "GP_Gen5_2"
  version             = "11"
}
