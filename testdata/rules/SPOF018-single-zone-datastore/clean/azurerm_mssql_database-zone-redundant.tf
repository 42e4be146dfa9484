resource "azurerm_mssql_server" "main" {
  name                         = "sql-shop-prod"
  resource_group_name          = "rg-data"
  location                     = "westeurope"
  version                      = "12.0"
  administrator_login          = "sqladmin"
  administrator_login_password = "P@ssw0rd1234!"
  minimum_tls_version          = "1.2"
}

resource "azurerm_mssql_database" "orders" {
  name           = "orders"
  server_id      = azurerm_mssql_server.main.id
  sku_name       = "BC_Gen5_4"
  max_size_gb    = 64
  zone_redundant = true
  read_scale     = true
}
