variable "zones" {
  default = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
}

resource "google_compute_instance" "api" {
  count        = length(var.zones)
  name         = "api-${count.index}"
  machine_type = "e2-standard-4"
  zone         = var.zones[count.index]

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
    }
  }

  network_interface {
    network    = "default"
    subnetwork = "app"
  }
}
