# The vault's storage is geo-redundant (the default): backups are copied to
# the paired region.
resource "azurerm_linux_virtual_machine" "app" {
  name                = "app"
  resource_group_name = "app"
  location            = "westeurope"
  size                = "Standard_D2s_v5"
  zone                = "1"
}

resource "azurerm_recovery_services_vault" "vault" {
  name                = "vault"
  resource_group_name = "app"
  location            = "westeurope"
  sku                 = "Standard"
}

resource "azurerm_backup_protected_vm" "app" {
  resource_group_name = "app"
  recovery_vault_name = azurerm_recovery_services_vault.vault.name
  source_vm_id        = azurerm_linux_virtual_machine.app.id
  backup_policy_id    = "policy"
}
