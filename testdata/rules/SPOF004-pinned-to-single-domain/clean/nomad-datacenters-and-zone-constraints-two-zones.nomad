# Two datacenters, and zone constraints that allow two zones or that spof
# cannot evaluate: none pins a group to one zone.
job "api" {
  datacenters = ["dc1", "dc2"]

  constraint {
    operator  = "distinct_property"
    attribute = "${node.datacenter}"
  }

  group "web" {
    count = 2

    constraint {
      attribute = "${meta.zone}"
      operator  = "set_contains_any"
      value     = "a,b"
    }

    task "server" {
      driver = "docker"

      config {
        image = "example/api:1.4"
      }
    }
  }

  group "worker" {
    count = 2

    constraint {
      attribute = "${attr.platform.aws.placement.availability-zone}"
      operator  = "regexp"
      value     = "us-east-1[ab]"
    }

    constraint {
      attribute = "${meta.zone}"
      operator  = "!="
      value     = "c"
    }

    task "worker" {
      driver = "docker"

      config {
        image = "example/worker:1.4"
      }
    }
  }

  group "cron" {
    count = 2

    constraint {
      attribute = "${meta.availability_zone}"
      operator  = "version"
      value     = ">= 1"
    }

    constraint {
      attribute = "${meta.az}"
      value     = "${NOMAD_META_az}"
    }

    task "cron" {
      driver = "docker"

      config {
        image = "example/cron:1.4"
      }
    }
  }
}
