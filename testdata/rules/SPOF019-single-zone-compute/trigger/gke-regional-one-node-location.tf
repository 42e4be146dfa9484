# A regional cluster (its control plane in every zone of europe-west1) whose
# nodes are confined to one zone by `node_locations`; the node pool lists no
# zones of its own, so it takes the cluster's.
resource "google_container_cluster" "primary" {
  name               = "primary"
  location           = "europe-west1"
  node_locations     = ["europe-west1-b"]
  initial_node_count = 1
}

resource "google_container_node_pool" "general" {
  name       = "general"
  cluster    = google_container_cluster.primary.id
  location   = "europe-west1"
  node_count = 3

  node_config {
    machine_type = "e2-standard-4"
  }
}

# A node pool of a zonal cluster, with no location of its own: its nodes
# are in the cluster's zone.
resource "google_container_cluster" "zonal" {
  name               = "zonal"
  location           = "europe-west1-c"
  initial_node_count = 1
}

resource "google_container_node_pool" "batch" {
  name       = "batch"
  cluster    = google_container_cluster.zonal.name
  node_count = 2
}
