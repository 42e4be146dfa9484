resource "google_dataproc_cluster" "etl" {
  name   = "etl"
  region = "us-central1"

  cluster_config {
    gce_cluster_config {
      # spof:ignore[SPOF019] rebuilt from Cloud Storage in another zone
      zone = "us-central1-a"
    }

    master_config {
      num_instances = 3
    }
  }
}
