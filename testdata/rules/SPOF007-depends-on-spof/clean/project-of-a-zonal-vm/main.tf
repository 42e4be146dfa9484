# A health check and a backend service take their project and name from a
# VM in one zone: they copy its names, and do not depend on it at run time.
resource "google_compute_instance" "mirror" {
  project      = "shop"
  name         = "mirror"
  zone         = "us-central1-a"
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

resource "google_compute_health_check" "default" {
  project = google_compute_instance.mirror.project
  name    = "${google_compute_instance.mirror.name}-check"
  tcp_health_check {
    port = "80"
  }
}

resource "google_compute_region_backend_service" "default" {
  project       = google_compute_instance.mirror.project
  region        = "us-central1"
  name          = "mirror-service"
  health_checks = [google_compute_health_check.default.id]
}

resource "google_compute_forwarding_rule" "default" {
  project         = google_compute_instance.mirror.project
  name            = "mirror-ilb"
  region          = "us-central1"
  backend_service = google_compute_region_backend_service.default.id
}
