# No `count`: Nomad starts the scaling policy's minimum, three allocations,
# even with the policy disabled.
job "api" {
  datacenters = ["dc1", "dc2", "dc3"]

  group "web" {
    scaling {
      enabled = false
      min     = 3
      max     = 10
    }

    task "server" {
      driver = "docker"

      config {
        image = "example/api:1.4"
      }
    }
  }
}
