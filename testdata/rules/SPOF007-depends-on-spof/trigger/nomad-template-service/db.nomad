# One allocation registers the `db` service.
job "db" {
  datacenters = ["dc1", "dc2", "dc3"]

  group "postgres" {
    count = 1

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
