resource "azurerm_managed_disk" "data" {
  name                = "data"
  location            = "westeurope"
  resource_group_name = "prod"
  storage_account_type = "Premium_LRS"
  create_option        = "Empty"
  disk_size_gb         = 128
}
