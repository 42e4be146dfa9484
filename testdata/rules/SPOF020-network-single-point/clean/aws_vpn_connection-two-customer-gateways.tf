resource "aws_vpn_gateway" "main" {
  vpc_id = "vpc-0example"
}

resource "aws_customer_gateway" "office_primary" {
  bgp_asn    = 65000
  ip_address = "198.51.100.10"
  type       = "ipsec.1"
}

resource "aws_customer_gateway" "office_secondary" {
  bgp_asn    = 65000
  ip_address = "203.0.113.10"
  type       = "ipsec.1"
}

resource "aws_vpn_connection" "office_primary" {
  vpn_gateway_id      = aws_vpn_gateway.main.id
  customer_gateway_id = aws_customer_gateway.office_primary.id
  type                = "ipsec.1"
}

resource "aws_vpn_connection" "office_secondary" {
  vpn_gateway_id      = aws_vpn_gateway.main.id
  customer_gateway_id = aws_customer_gateway.office_secondary.id
  type                = "ipsec.1"
}
