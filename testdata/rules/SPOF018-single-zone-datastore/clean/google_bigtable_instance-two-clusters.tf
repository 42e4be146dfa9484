resource "google_bigtable_instance" "events" {
  name = "events"

  cluster {
    cluster_id   = "events-a"
    zone         = "us-central1-a"
    num_nodes    = 3
    storage_type = "SSD"
  }

  cluster {
    cluster_id   = "events-b"
    zone         = "us-central1-b"
    num_nodes    = 3
    storage_type = "SSD"
  }
}
