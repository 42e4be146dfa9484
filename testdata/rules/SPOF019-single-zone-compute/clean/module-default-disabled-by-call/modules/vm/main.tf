resource "google_compute_instance" "this" {
  count        = var.create ? 1 : 0
  name         = var.name
  zone         = "europe-west1-b"
  machine_type = "e2-medium"
  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
    }
  }
  network_interface {
    network = "default"
  }
}
