# The spread is backed by a hard limit of one allocation per datacenter.
job "api" {
  datacenters = ["dc1", "dc2", "dc3"]

  group "web" {
    count = 3

    spread {
      attribute = "${node.datacenter}"
    }

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
