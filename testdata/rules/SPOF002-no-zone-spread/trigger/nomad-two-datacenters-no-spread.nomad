# Two datacenters allowed, but nothing keeps both allocations out of one.
job "api" {
  datacenters = ["dc1", "dc2"]

  group "web" {
    count = 2

    task "server" {
      driver = "docker"

      config {
        image = "example/api:1.4"
      }
    }
  }
}
