resource "google_redis_instance" "cache" {
  name           = "sessions"
  tier           = "BASIC"
  memory_size_gb = 4
  region         = "europe-west1"
}
