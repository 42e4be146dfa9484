# A regional GKE cluster (the module's default) and an AKS cluster across
# three zones.
module "gke" {
  source = "terraform-google-modules/kubernetes-engine/google"
  name   = "shop"
  region = "europe-west1"
}

module "aks" {
  source                    = "Azure/aks/azurerm"
  prefix                    = "shop"
  agents_availability_zones = ["1", "2", "3"]
}
