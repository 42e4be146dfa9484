module "network" {
  source = "git::https://example.com/network.git?ref=v1.2.0"
}
