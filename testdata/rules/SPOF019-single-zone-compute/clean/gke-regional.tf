resource "google_container_cluster" "primary" {
  name               = "primary"
  location           = "europe-west1"
  initial_node_count = 1
}
