# Cloud NAT from the registry module: a regional service with no gateway
# instance, so one NAT for a region is no single point within it.
module "cloud_nat" {
  source        = "terraform-google-modules/cloud-nat/google"
  project_id    = "shop"
  region        = "europe-west1"
  router        = "shop-router"
  create_router = true
  network       = "shop"
}
