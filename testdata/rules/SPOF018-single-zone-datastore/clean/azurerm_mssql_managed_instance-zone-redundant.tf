resource "azurerm_mssql_managed_instance" "sql" {
  name                = "sql"
  location            = "westeurope"
  resource_group_name = "prod"
  license_type           = "BasePrice"
  sku_name               = "BC_Gen5"
  storage_size_in_gb     = 32
  subnet_id              = "/subscriptions/0/resourceGroups/prod/providers/Microsoft.Network/virtualNetworks/v/subnets/sql"
  vcores                 = 4
  zone_redundant_enabled = true
}
