# Staging saves the standby.
multi_az = false
