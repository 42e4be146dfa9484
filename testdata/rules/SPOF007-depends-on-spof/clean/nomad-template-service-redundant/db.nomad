# Three allocations, one per datacenter, register the `db` service.
job "db" {
  datacenters = ["dc1", "dc2", "dc3"]

  group "postgres" {
    count = 3

    constraint {
      operator  = "distinct_property"
      attribute = "${node.datacenter}"
    }

    task "postgres" {
      driver = "docker"

      config {
        image = "postgres:16"
      }

      service {
        name = "db"
        port = "db"
      }
    }
  }
}
