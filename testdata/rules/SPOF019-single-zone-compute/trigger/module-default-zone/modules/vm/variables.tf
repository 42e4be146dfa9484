variable "name" {
  type = string
}

variable "zone" {
  type    = string
  default = "europe-west1-b"
}
