# `spread` is a scoring preference: a full datacenter still takes them all.
job "api" {
  datacenters = ["dc1", "dc2", "dc3"]

  group "web" {
    count = 3

    spread {
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
