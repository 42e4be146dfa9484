# A zonal GKE cluster and an AKS cluster without availability zones, both
# from registry modules that are not downloaded.
module "gke" {
  source   = "terraform-google-modules/kubernetes-engine/google//modules/private-cluster"
  version  = "~> 30.0"
  name     = "shop"
  regional = false
  zones    = ["europe-west1-b"]
}

module "aks" {
  source  = "Azure/aks/azurerm"
  version = "~> 9.0"
  prefix  = "shop"
}
