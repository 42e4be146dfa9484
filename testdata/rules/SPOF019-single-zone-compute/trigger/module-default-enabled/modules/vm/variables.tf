variable "name" {
  type = string
}

variable "create" {
  type    = bool
  default = true
}
