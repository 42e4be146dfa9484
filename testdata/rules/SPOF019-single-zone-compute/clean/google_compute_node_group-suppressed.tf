resource "google_compute_node_group" "tenants" {
  name          = "tenants"
  # spof:ignore[SPOF019] licence-bound batch hosts, zone loss accepted
  zone          = "us-central1-a"
  node_template = "projects/p/regions/us-central1/nodeTemplates/tenants"
  initial_size  = 2
}
