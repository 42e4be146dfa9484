# A Nomad job named `.hcl`: read by its `job` block, as `nomad job run`
# reads it. Every allocation can only run in dc1.
variable "image" {
  default = "example/web:2.1"
}

job "web" {
  datacenters = ["dc1"]

  group "frontend" {
    count = 3

    task "server" {
      driver = "docker"

      config {
        image = var.image
      }
    }
  }
}
