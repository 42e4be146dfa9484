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
  availability_type = "REGIONAL"

  machine_config {
    cpu_count = 4
  }
}

resource "google_alloydb_instance" "reads" {
  cluster       = google_alloydb_cluster.main.name
  instance_id   = "main-reads"
  instance_type = "READ_POOL"

  read_pool_config {
    node_count = 2
  }

  machine_config {
    cpu_count = 2
  }

  depends_on = [google_alloydb_instance.primary]
}
