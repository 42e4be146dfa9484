# A regional cluster whose nodes are in two zones; a zonal cluster whose
# `node_locations` adds a second zone to its own (its control plane is
# SPOF019's other finding, so it is not declared here); and a node pool that
# lists its own zones in a regional cluster with one node location.
resource "google_container_cluster" "two_zones" {
  name               = "two-zones"
  location           = "europe-west1"
  node_locations     = ["europe-west1-b", "europe-west1-c"]
  initial_node_count = 1
}

resource "google_container_node_pool" "inherits_two" {
  name       = "inherits-two"
  cluster    = google_container_cluster.two_zones.name
  location   = "europe-west1"
  node_count = 1
}

resource "google_container_cluster" "one_location" {
  name                     = "one-location"
  location                 = "europe-west1"
  node_locations           = ["europe-west1-b"]
  remove_default_node_pool = true
  initial_node_count       = 1
}

resource "google_container_node_pool" "own_zones" {
  name           = "own-zones"
  cluster        = google_container_cluster.one_location.id
  location       = "europe-west1"
  node_locations = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
  node_count     = 1
}
