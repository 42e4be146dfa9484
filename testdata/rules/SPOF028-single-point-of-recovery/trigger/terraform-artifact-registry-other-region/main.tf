# The service runs in europe-west1; its images come from a repository in
# us-central1 only.
resource "google_artifact_registry_repository" "web" {
  location      = "us-central1"
  repository_id = "web"
  format        = "DOCKER"
}

resource "google_cloud_run_v2_service" "web" {
  name     = "web"
  location = "europe-west1"

  template {
    containers {
      image = "us-central1-docker.pkg.dev/shop/${google_artifact_registry_repository.web.repository_id}/web:1.4"
    }
  }
}
