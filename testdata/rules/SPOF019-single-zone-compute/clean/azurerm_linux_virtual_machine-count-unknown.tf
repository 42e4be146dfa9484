# A count that cannot be evaluated (a data source's attribute): the VMs may
# be several, so none is "a single virtual machine".
data "azurerm_resources" "peers" {
  type = "Microsoft.Compute/virtualMachines"
}

resource "azurerm_linux_virtual_machine" "app" {
  count               = length(data.azurerm_resources.peers.resources)
  name                = "app-${count.index}"
  resource_group_name = "app"
  location            = "westeurope"
  size                = "Standard_D2s_v5"
  admin_username      = "app"
  network_interface_ids = [
    "/subscriptions/0/resourceGroups/app/providers/Microsoft.Network/networkInterfaces/app-${count.index}",
  ]

  os_disk {
    caching              = "ReadWrite"
    storage_account_type = "Premium_LRS"
  }

  source_image_reference {
    publisher = "Canonical"
    offer     = "ubuntu-24_04-lts"
    sku       = "server"
    version   = "latest"
  }
}
