resource "google_container_cluster" "primary" {
  name                     = "primary"
  location                 = "europe-west1"
  remove_default_node_pool = true
  initial_node_count       = 1
}

resource "google_container_node_pool" "general" {
  name           = "general"
  cluster        = google_container_cluster.primary.id
  location       = "europe-west1"
  node_locations = ["europe-west1-b"]
  node_count     = 3

  node_config {
    machine_type = "e2-standard-4"
    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
  }
}
