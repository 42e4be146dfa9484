# At most one allocation per datacenter: a datacenter failure leaves one up.
job "api" {
  datacenters = ["dc1", "dc2"]

  group "web" {
    count = 2

    constraint {
      operator  = "distinct_property"
      attribute = "${node.datacenter}"
    }

    task "server" {
      driver = "docker"

      config {
        image = "example/api:1.4"
      }
    }
  }
}
