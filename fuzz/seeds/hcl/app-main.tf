1provider "aws" {
  region = var.region
}

variable "region" {
  default = "us-east-1"
}

variable "multi_az" {
  type    = bool
  default = true
}

variable "zones" {
  type = list(string)
}

module "inventory_db" {
  source   = "./modules/db"
  multi_az = var.multi_az
}

resource "aws_instance" "web" {
  count             = length(var.zones)
  availability_zone = var.zones[count.index]
  user_data         = <<-EOT
    #!/bin/sh
    echo "DB=${module.inventory_db.endpoint}" >> /etc/environment
  EOT
}
