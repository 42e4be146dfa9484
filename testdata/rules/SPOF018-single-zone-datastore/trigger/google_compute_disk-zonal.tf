resource "google_compute_disk" "data" {
  name = "data"
  zone = "us-central1-a"
  size = 200
  type = "pd-ssd"
}
