resource "aws_dx_connection" "primary" {
  name      = "dc-frankfurt"
  bandwidth = "10Gbps"
  location  = "EqFA5"
}
