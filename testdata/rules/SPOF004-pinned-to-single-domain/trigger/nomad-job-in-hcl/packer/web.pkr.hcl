# Packer: HCL, but neither a Nomad job nor Terraform.
source "docker" "web" {
  image  = "nginx:1.27"
  commit = true
}

build {
  sources = ["source.docker.web"]
}
