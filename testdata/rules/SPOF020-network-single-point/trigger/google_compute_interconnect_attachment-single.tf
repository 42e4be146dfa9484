resource "google_compute_interconnect_attachment" "dc" {
  name                     = "dc"
  region                   = "us-central1"
  type                     = "PARTNER"
  router                   = "router"
  edge_availability_domain = "AVAILABILITY_DOMAIN_1"
}
