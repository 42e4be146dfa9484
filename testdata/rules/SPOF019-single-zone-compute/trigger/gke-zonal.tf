resource "google_container_cluster" "primary" {
  name               = "primary"
  location           = "europe-west1-b"
  initial_node_count = 3
}
