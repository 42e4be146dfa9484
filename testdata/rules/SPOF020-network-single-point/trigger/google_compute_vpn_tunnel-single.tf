resource "google_compute_vpn_tunnel" "onprem" {
  name                  = "onprem"
  region                = "us-central1"
  vpn_gateway           = "projects/p/regions/us-central1/vpnGateways/ha"
  vpn_gateway_interface = 0
  peer_ip               = "203.0.113.10"
  shared_secret         = "example-secret"
  router                = "router"
}
