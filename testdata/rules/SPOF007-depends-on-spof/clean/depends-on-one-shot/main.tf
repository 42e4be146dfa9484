# Resources that act once while Terraform applies (a migration, a wait, a
# patch of another resource) order the apply: depending on them is not
# depending at run time on what they depend on. The web group is spread
# over three zones; the database's own finding is SPOF018's.
variable "zones" {
  default = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

resource "aws_subnet" "app" {
  for_each          = toset(var.zones)
  vpc_id            = "vpc-0example"
  cidr_block        = "10.0.${index(var.zones, each.value)}.0/24"
  availability_zone = each.value
}

resource "aws_db_instance" "orders" {
  identifier     = "orders"
  engine         = "postgres"
  instance_class = "db.r6g.large"
}

resource "null_resource" "migrate" {
  triggers = {
    host = aws_db_instance.orders.address
  }

  provisioner "local-exec" {
    command = "./migrate.sh ${aws_db_instance.orders.address}"
  }
}

resource "time_sleep" "after_migration" {
  depends_on      = [null_resource.migrate]
  create_duration = "30s"
}

resource "terraform_data" "seed" {
  input = aws_db_instance.orders.address
}

resource "azapi_update_resource" "tune" {
  type        = "Microsoft.DBforPostgreSQL/flexibleServers@2023-06-01-preview"
  resource_id = "/subscriptions/0/resourceGroups/app/providers/Microsoft.DBforPostgreSQL/flexibleServers/orders"
  body        = { properties = { maintenanceWindow = { dayOfWeek = 0 } } }
  depends_on  = [aws_db_instance.orders]
}

resource "aws_launch_template" "web" {
  name_prefix   = "web-"
  image_id      = "ami-0example"
  instance_type = "m7g.large"
}

resource "aws_autoscaling_group" "web" {
  name                = "web"
  min_size            = 3
  max_size            = 9
  vpc_zone_identifier = [for s in aws_subnet.app : s.id]

  launch_template {
    id      = aws_launch_template.web.id
    version = "$Latest"
  }

  depends_on = [
    time_sleep.after_migration,
    terraform_data.seed,
    azapi_update_resource.tune,
  ]
}
