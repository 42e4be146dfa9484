resource "aws_opensearchserverless_collection" "logs" {
  name             = "logs"
  type             = "TIMESERIES"
  standby_replicas = "DISABLED"
}
