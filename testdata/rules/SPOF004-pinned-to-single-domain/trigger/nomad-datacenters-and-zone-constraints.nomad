# Two datacenters, one allocation in each: but every group is also held to
# one zone by a constraint on a zone attribute. A datacenter name and a zone
# name are names of different things: the constraint does not cancel the
# `datacenters` list, nor the list the constraint.
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
      value     = "a"
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
      value     = "^us-east-1a$"
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
      operator  = "set_contains_any"
      value     = "eu-west-1b"
    }

    task "cron" {
      driver = "docker"

      config {
        image = "example/cron:1.4"
      }
    }
  }
}
