resource "google_memorystore_instance" "cache" {
  name        = "cache"
  region      = "us-central1"
  shard_count = 3
}
