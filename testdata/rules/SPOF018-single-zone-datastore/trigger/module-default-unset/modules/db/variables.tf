variable "name" {
  type = string
}

variable "multi_az" {
  type    = bool
  default = false
}
