# A forwarding rule sends its traffic to a target instance: one VM in one
# zone. The project it reads from the target is no dependency; the target
# is.
resource "google_compute_instance" "vm" {
  project      = "shop"
  name         = "vm"
  zone         = "us-east4-c"
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

resource "google_compute_target_instance" "target" {
  project  = google_compute_instance.vm.project
  name     = "target"
  zone     = "us-east4-c"
  instance = google_compute_instance.vm.id
}

resource "google_compute_forwarding_rule" "target" {
  project = google_compute_target_instance.target.project
  name    = "target-instance-forwarding-rule"
  region  = "us-east4"
  target  = google_compute_target_instance.target.id
}
