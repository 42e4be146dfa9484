# Every allocation can only run in dc1.
job "api" {
  datacenters = ["dc1"]

  group "web" {
    count = 3

    task "server" {
      driver = "docker"

      config {
        image = "example/api:1.4"
      }
    }
  }
}
