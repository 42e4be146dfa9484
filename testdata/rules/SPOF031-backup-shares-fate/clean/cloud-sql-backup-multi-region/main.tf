# Backups kept in a multi-region: they survive the loss of the instance's
# region.
resource "google_sql_database_instance" "main" {
  name             = "main"
  region           = "europe-west1"
  database_version = "POSTGRES_16"

  settings {
    tier              = "db-custom-2-7680"
    availability_type = "REGIONAL"

    backup_configuration {
      enabled  = true
      location = "eu"
    }
  }
}
