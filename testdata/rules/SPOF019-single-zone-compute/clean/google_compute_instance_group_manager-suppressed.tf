# A zonal managed instance group is in one zone whatever its attributes:
# the redundant form is a regional group
# (google_compute_region_instance_group_manager-*). A group whose zone
# outage is acceptable says why.
resource "google_compute_instance_template" "render" {
  name_prefix  = "render-"
  machine_type = "g2-standard-8"

  disk {
    source_image = "debian-cloud/debian-12"
    boot         = true
  }

  network_interface {
    network = "default"
  }
}

resource "google_compute_instance_group_manager" "render" {
  name               = "render"
  base_instance_name = "render"
  # spof:ignore[SPOF019] GPU quota only in this zone; batch jobs are retried
  zone        = "europe-west1-b"
  target_size = 4

  version {
    instance_template = google_compute_instance_template.render.id
  }
}
