resource "google_alloydb_cluster" "main" {
  cluster_id = "main"
  location   = "europe-west1"

  network_config {
    network = "projects/example-project/global/networks/default"
  }
}

resource "google_alloydb_instance" "primary" {
  cluster           = google_alloydb_cluster.main.name
  instance_id       = "main-primary"
  instance_type     = "PRIMARY"
  availability_type = "ZONAL"

  machine_config {
    cpu_count = 2
  }
}
