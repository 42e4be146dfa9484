# Redundant itself, but it reads the address of `db` from Consul.
job "api" {
  datacenters = ["dc1", "dc2", "dc3"]

  group "web" {
    count = 3

    constraint {
      operator  = "distinct_property"
      attribute = "${node.datacenter}"
    }

    task "server" {
      driver = "docker"

      config {
        image = "example/api:1.4"
      }

      template {
        data        = <<EOT
DATABASE_URL=postgres://{{ range service "db" }}{{ .Address }}:{{ .Port }}{{ end }}/app
EOT
        destination = "secrets/db.env"
        env         = true
      }
    }
  }
}
