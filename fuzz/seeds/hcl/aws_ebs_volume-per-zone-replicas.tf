1# DISPUTED (likely false positive): one volume per broker, one broker per
# zone, Kafka replicating across them (replication factor 3). No single zone
# holds the only copy, yet every volume is reported: the knowledge base judges
# each EBS volume on its own (no `replicated-by-count`, unlike `aws_instance`)
# and has no redundant form of `aws_ebs_volume` at all.

locals {
  zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

resource "aws_instance" "kafka" {
  count             = 3
  ami               = "ami-0c1c30571d2dae5c9"
  instance_type     = "m6i.large"
  availability_zone = local.zones[count.index]
}

resource "aws_ebs_volume" "kafka" {
  count             = 3
  availability_zone = local.zones[count.index]
  size              = 1000
  type              = "gp3"
}

resource "aws_volume_attachment" "kafka" {
  count       = 3
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.kafka[count.index].id
  instance_id = aws_instance.kafka[count.index].id
}
