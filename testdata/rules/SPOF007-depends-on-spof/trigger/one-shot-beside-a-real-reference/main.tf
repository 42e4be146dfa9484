# The group waits for a migration (apply-time ordering, no dependency), and
# its instances also read the database's address: that reference is a
# dependency on a database in one zone.
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
}

resource "aws_launch_template" "web" {
  name_prefix   = "web-"
  image_id      = "ami-0example"
  instance_type = "m7g.large"
  user_data     = base64encode("DATABASE_HOST=${aws_db_instance.orders.address}")
}

resource "aws_autoscaling_group" "web" {
  name                = "web"
  min_size            = 3
  max_size            = 9
  vpc_zone_identifier = [for s in aws_subnet.app : s.id]
  depends_on          = [null_resource.migrate]

  launch_template {
    id      = aws_launch_template.web.id
    version = "$Latest"
  }
}
