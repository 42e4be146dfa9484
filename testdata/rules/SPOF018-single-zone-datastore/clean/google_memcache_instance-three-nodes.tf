resource "google_memcache_instance" "sessions" {
  name       = "sessions"
  region     = "us-central1"
  node_count = 3

  node_config {
    cpu_count      = 1
    memory_size_mb = 1024
  }
}
