resource "google_redis_instance" "cache" {
  name                    = "sessions"
  tier                    = "STANDARD_HA"
  memory_size_gb          = 4
  region                  = "europe-west1"
  location_id             = "europe-west1-b"
  alternative_location_id = "europe-west1-c"
  redis_version           = "REDIS_7_2"
  replica_count           = 1
  read_replicas_mode      = "READ_REPLICAS_ENABLED"
}
