resource "azurerm_mysql_flexible_server" "cms" {
  name                   = "mysql-cms"
  resource_group_name    = "rg-data"
  location               = "westeurope"
  version                = "8.0.21"
  sku_name               = "GP_Standard_D2ds"
  administrator_login    = "cms"
  administrator_password = "P@ssw0rd1234!"
  backup_retention_days  = 7

  storage {
    size_gb = 64
  }
}
