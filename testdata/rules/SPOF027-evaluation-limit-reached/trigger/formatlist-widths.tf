# Each row is 20,000 characters wide; a thousand rows make 20 MB.
locals {
  rows = formatlist("%10000s%10000s", range(1000), range(1000))
}

output "rows" {
  value = local.rows
}
