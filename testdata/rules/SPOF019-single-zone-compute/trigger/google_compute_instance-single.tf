resource "google_compute_instance" "jobs" {
  name         = "jobs"
  machine_type = "e2-standard-4"
  zone         = "europe-west1-b"

  boot_disk {
    initialize_params {
      image = "debian-cloud/debian-12"
      size  = 50
    }
  }

  network_interface {
    network    = "default"
    subnetwork = "app"
  }

  service_account {
    email  = "jobs@example-project.iam.gserviceaccount.com"
    scopes = ["cloud-platform"]
  }
}
