storage "file" {
  path = "/vault/data"
}

ui = true
