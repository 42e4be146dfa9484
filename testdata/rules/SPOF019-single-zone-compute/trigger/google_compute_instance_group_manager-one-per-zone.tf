# DISPUTED (likely false positive): one zonal managed instance group per
# zone, all behind the same backend service, is a documented way to spread a
# workload (before regional MIGs, and still for per-zone control). Each group
# is reported on its own: the knowledge base has no `replicated-by-count` for
# `google_compute_instance_group_manager`, and no redundant form of it.
variable "zones" {
  default = ["europe-west1-b", "europe-west1-c", "europe-west1-d"]
}

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

resource "google_compute_instance_group_manager" "web" {
  for_each           = toset(var.zones)
  name               = "web-${each.value}"
  base_instance_name = "web"
  zone               = each.value
  target_size        = 2

  version {
    instance_template = google_compute_instance_template.web.id
  }
}
