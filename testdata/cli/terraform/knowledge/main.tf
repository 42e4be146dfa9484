resource "acme_database" "ledger" {
  name     = "ledger"
  replicas = 1
}
