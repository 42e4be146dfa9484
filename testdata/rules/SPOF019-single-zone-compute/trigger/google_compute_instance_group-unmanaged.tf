resource "google_compute_instance_group" "web" {
  name      = "web"
  zone      = "us-central1-a"
  instances = ["projects/p/zones/us-central1-a/instances/web-1"]
}
