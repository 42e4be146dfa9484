# Vault server configuration. A `job` word inside a block is no job.
storage "raft" {
  path    = "/vault/data"
  node_id = "job"
}

listener "tcp" {
  address = "0.0.0.0:8200"
}

ui = true
