resource "aws_vpn_connection" "office" {
  vpn_gateway_id      = "vgw-0example"
  customer_gateway_id = "cgw-0example"
  type                = "ipsec.1"
}
