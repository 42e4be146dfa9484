resource "google_compute_instance_group" "web" {
  for_each  = toset(["us-central1-a", "us-central1-b"])
  name      = "web-${each.key}"
  zone      = each.key
}
