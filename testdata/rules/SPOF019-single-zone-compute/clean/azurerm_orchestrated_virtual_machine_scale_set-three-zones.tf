resource "azurerm_orchestrated_virtual_machine_scale_set" "workers" {
  name                        = "workers"
  resource_group_name         = "rg-app"
  location                    = "westeurope"
  sku_name                    = "Standard_D4s_v5"
  instances                   = 6
  platform_fault_domain_count = 1
  zones                       = ["1", "2", "3"]

  os_profile {
    linux_configuration {
      admin_username                  = "azureuser"
      disable_password_authentication = true

      admin_ssh_key {
        username   = "azureuser"
        public_key = file("~/.ssh/id_ed25519.pub")
      }
    }
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }

  os_disk {
    storage_account_type = "Premium_LRS"
    caching              = "ReadWrite"
  }

  network_interface {
    name    = "workers"
    primary = true

    ip_configuration {
      name      = "internal"
      primary   = true
      subnet_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/workers"
    }
  }
}
