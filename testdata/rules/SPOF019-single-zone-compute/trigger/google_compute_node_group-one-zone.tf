resource "google_compute_node_group" "tenants" {
  name          = "tenants"
  zone          = "us-central1-a"
  node_template = "projects/p/regions/us-central1/nodeTemplates/tenants"
  initial_size  = 2
}
