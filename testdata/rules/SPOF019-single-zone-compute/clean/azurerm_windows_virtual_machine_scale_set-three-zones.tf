resource "azurerm_windows_virtual_machine_scale_set" "iis" {
  name                 = "iis"
  resource_group_name  = "rg-app"
  location             = "westeurope"
  sku                  = "Standard_D2s_v5"
  instances            = 3
  zones                = ["1", "2", "3"]
  admin_username       = "adminuser"
  admin_password       = "P@ssw0rd1234!"
  computer_name_prefix = "iis"

  source_image_reference {
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = "2022-datacenter-azure-edition"
    version   = "latest"
  }

  os_disk {
    storage_account_type = "Premium_LRS"
    caching              = "ReadWrite"
  }

  network_interface {
    name    = "iis"
    primary = true

    ip_configuration {
      name      = "internal"
      primary   = true
      subnet_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/web"
    }
  }
}
