# How many clients there are is not known (the variable has no value): they
# may be several, in zones the subnets decide. Not "a single EC2 instance".
variable "client_count" {
  type = number
}

variable "subnet_ids" {
  type = list(string)
}

resource "aws_instance" "client" {
  count         = var.client_count
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.large"
  subnet_id     = var.subnet_ids[count.index % length(var.subnet_ids)]
}

resource "aws_instance" "worker" {
  for_each      = var.workers
  ami           = "ami-0123456789abcdef0"
  instance_type = "t3.large"
}

variable "workers" {
  type = map(string)
}
