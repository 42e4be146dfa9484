# A Recovery Services vault with locally redundant storage, in the region
# of the virtual machine it protects.
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
  storage_mode_type   = "LocallyRedundant"
}

resource "azurerm_backup_protected_vm" "app" {
  resource_group_name = "app"
  recovery_vault_name = azurerm_recovery_services_vault.vault.name
  source_vm_id        = azurerm_linux_virtual_machine.app.id
  backup_policy_id    = "policy"
}
