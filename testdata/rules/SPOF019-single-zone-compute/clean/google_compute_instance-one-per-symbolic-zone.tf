# One VM in each of the first two zones of the region, whatever their
# names.
data "google_compute_zones" "available" {
  region = "europe-west1"
}

resource "google_compute_instance" "web" {
  count        = 2
  name         = "web-${count.index}"
  machine_type = "e2-small"
  zone         = data.google_compute_zones.available.names[count.index]

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
    }
  }

  network_interface {
    network = "default"
  }
}
