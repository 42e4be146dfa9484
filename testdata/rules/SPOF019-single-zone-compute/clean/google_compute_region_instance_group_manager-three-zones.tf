resource "google_compute_instance_template" "web" {
  name_prefix  = "web-"
  machine_type = "e2-medium"

  disk {
    source_image = "debian-cloud/debian-12"
    boot         = true
  }

  network_interface {
    network = "default"
  }
}

resource "google_compute_region_instance_group_manager" "web" {
  name                             = "web"
  base_instance_name               = "web"
  region                           = "europe-west1"
  distribution_policy_zones        = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
  distribution_policy_target_shape = "EVEN"
  target_size                      = 3

  version {
    instance_template = google_compute_instance_template.web.id
  }
}
