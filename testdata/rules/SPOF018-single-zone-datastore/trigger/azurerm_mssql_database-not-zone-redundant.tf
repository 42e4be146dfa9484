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
  name        = "orders"
  server_id   = azurerm_mssql_server.main.id
  sku_name    = "GP_Gen5_2"
  max_size_gb = 32
  collation   = "SQL_Latin1_General_CP1_CI_AS"
}
