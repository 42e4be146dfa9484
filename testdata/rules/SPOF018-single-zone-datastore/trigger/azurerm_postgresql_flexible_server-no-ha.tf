resource "azurerm_postgresql_flexible_server" "orders" {
  name                          = "psql-orders"
  resource_group_name           = "rg-data"
  location                      = "westeurope"
  version                       = "16"
  sku_name                      = "GP_Standard_D2ds_v5"
  storage_mb                    = 65536
  zone                          = "1"
  administrator_login           = "orders"
  administrator_password        = "P@ssw0rd1234!"
  public_network_access_enabled = false
  backup_retention_days         = 14
}
