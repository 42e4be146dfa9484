# The service runs in europe-west1; the image of its container block is
# written out, with the address of a repository in us-central1 only.
resource "google_artifact_registry_repository" "images" {
  location      = "us-central1"
  repository_id = "images"
  format        = "DOCKER"
}

resource "google_cloud_run_v2_service" "web" {
  name     = "web"
  location = "europe-west1"

  template {
    containers {
      image = "us-central1-docker.pkg.dev/shop/images/web:1.4"
    }
  }
}
