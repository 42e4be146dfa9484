resource "google_compute_interconnect_attachment" "dc1" {
  name                     = "dc1"
  region                   = "us-central1"
  type                     = "PARTNER"
  router                   = "router"
  edge_availability_domain = "AVAILABILITY_DOMAIN_1"
}

resource "google_compute_interconnect_attachment" "dc2" {
  name                     = "dc2"
  region                   = "us-central1"
  type                     = "PARTNER"
  router                   = "router"
  edge_availability_domain = "AVAILABILITY_DOMAIN_2"
}
