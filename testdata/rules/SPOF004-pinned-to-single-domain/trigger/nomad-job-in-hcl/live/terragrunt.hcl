terraform {
  source = "../modules/web"
}

inputs = {
  job = "web"
}
