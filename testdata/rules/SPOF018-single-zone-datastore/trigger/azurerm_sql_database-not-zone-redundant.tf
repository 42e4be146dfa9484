resource "azurerm_sql_database" "orders" {
  name                = "orders"
  location            = "westeurope"
  resource_group_name = "prod"
  server_name         = "sql-prod"
  edition             = "Premium"
}
