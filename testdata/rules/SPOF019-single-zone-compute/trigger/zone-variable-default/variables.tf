variable "zone" {
  type    = string
  default = "eu-west-1a"
}
