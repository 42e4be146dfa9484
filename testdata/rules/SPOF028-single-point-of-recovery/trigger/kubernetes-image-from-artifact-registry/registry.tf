# A Docker repository in us-central1 alone.
resource "google_artifact_registry_repository" "images" {
  project       = "shop-prod"
  location      = "us-central1"
  repository_id = "images"
  format        = "DOCKER"
}
