source "docker" "api" {
  image  = "debian:12"
  commit = true
}

build {
  sources = ["source.docker.api"]
}
