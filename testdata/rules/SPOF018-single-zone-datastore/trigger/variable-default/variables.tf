variable "multi_az" {
  description = "Keep a standby in another availability zone."
  type        = bool
  default     = false
}
