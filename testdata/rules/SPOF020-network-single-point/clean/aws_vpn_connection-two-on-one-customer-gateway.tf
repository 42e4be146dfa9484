# KNOWN GAP (missed single point): two VPN connections, but both end on the
# same customer gateway (one device, one address): it remains the single
# point the fact describes. The fact counts VPN connections in the estate
# (`estate-at-least = 2`), not distinct customer gateways, so nothing is
# reported. Move this case to trigger/ when the knowledge base catches it.
resource "aws_customer_gateway" "office" {
  bgp_asn    = 65000
  ip_address = "198.51.100.10"
  type       = "ipsec.1"
}

resource "aws_vpn_connection" "office" {
  count               = 2
  transit_gateway_id  = "tgw-0example"
  customer_gateway_id = aws_customer_gateway.office.id
  type                = "ipsec.1"
}
