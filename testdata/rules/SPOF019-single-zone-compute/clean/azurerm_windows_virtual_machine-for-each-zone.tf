locals {
  zones = toset(["1", "2"])
}

resource "azurerm_network_interface" "reports" {
  for_each            = local.zones
  name                = "reports-${each.key}-nic"
  location            = "westeurope"
  resource_group_name = "rg-app"

  ip_configuration {
    name                          = "internal"
    subnet_id                     = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/app"
    private_ip_address_allocation = "Dynamic"
  }
}

resource "azurerm_windows_virtual_machine" "reports" {
  for_each              = local.zones
  name                  = "reports-${each.key}"
  resource_group_name   = "rg-app"
  location              = "westeurope"
  size                  = "Standard_D4s_v5"
  zone                  = each.key
  admin_username        = "adminuser"
  admin_password        = "P@ssw0rd1234!"
  network_interface_ids = [azurerm_network_interface.reports[each.key].id]

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }

  source_image_reference {
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = "2022-datacenter-azure-edition"
    version   = "latest"
  }
}
