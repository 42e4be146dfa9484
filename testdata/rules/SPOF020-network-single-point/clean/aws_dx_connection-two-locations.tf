resource "aws_dx_connection" "primary" {
  name      = "dc-frankfurt-primary"
  bandwidth = "10Gbps"
  location  = "EqFA5"
}

resource "aws_dx_connection" "secondary" {
  name      = "dc-frankfurt-secondary"
  bandwidth = "10Gbps"
  location  = "TCSH"
}
