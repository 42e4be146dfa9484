# Staging settings copied to production.
orders_db_multi_az = false
