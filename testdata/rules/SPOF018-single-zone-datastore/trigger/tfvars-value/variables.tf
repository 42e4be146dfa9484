variable "multi_az" {
  type    = bool
  default = true
}
