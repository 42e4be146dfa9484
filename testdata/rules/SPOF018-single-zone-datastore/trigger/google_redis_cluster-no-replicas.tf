resource "google_redis_cluster" "cache" {
  name        = "cache"
  region      = "us-central1"
  shard_count = 3
}
