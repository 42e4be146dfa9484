job "api" {
  datacenters = ["dc1"]

  group "api" {
    task "server" {
      driver = "docker"

      config {
        image = "example/api:1.0"
      }
    }
  }
}
