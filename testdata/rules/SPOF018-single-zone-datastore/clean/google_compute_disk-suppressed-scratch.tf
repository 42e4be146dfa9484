resource "google_compute_disk" "data" {
  name = "data"
  # spof:ignore[SPOF018] scratch disk, nothing to keep
  zone = "us-central1-a"
  size = 200
  type = "pd-ssd"
}
