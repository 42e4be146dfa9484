# A Docker repository in us-central1 alone, but not the one the cluster's
# images come from (`images`), which is not declared here.
resource "google_artifact_registry_repository" "base" {
  project       = "shop-prod"
  location      = "us-central1"
  repository_id = "base-images"
  format        = "DOCKER"
}
