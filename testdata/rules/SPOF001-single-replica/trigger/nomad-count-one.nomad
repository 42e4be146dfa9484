# One allocation of the group: losing its node takes the service down.
job "api" {
  datacenters = ["dc1", "dc2", "dc3"]

  group "web" {
    count = 1

    task "server" {
      driver = "docker"

      config {
        image = "example/api:1.4"
      }
    }
  }
}
