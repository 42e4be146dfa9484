resource "google_compute_vpn_tunnel" "onprem" {
  count                 = 2
  name                  = "onprem-${count.index}"
  region                = "us-central1"
  vpn_gateway           = "projects/p/regions/us-central1/vpnGateways/ha"
  vpn_gateway_interface = count.index
  peer_ip               = "203.0.113.1${count.index}"
  shared_secret         = "example-secret"
  router                = "router"
}
