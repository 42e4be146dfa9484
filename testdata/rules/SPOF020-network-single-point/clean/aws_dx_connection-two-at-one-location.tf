# KNOWN GAP (missed single point): two connections at the same Direct Connect
# location. A facility outage takes both; AWS's resiliency toolkit calls this
# "development and test", not high resiliency. The fact counts connections in
# the estate (`estate-at-least = 2`), not locations, so nothing is reported.
# Move this case to trigger/ when the knowledge base catches it.
resource "aws_dx_connection" "primary" {
  name      = "dc-frankfurt-1"
  bandwidth = "10Gbps"
  location  = "EqFA5"
}

resource "aws_dx_connection" "secondary" {
  name      = "dc-frankfurt-2"
  bandwidth = "10Gbps"
  location  = "EqFA5"
}
