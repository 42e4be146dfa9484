resource "google_memorystore_instance" "cache" {
  name          = "cache"
  region        = "us-central1"
  shard_count   = 3
  replica_count = 1

  zone_distribution_config {
    mode = "SINGLE_ZONE"
    zone = "us-central1-a"
  }
}
