multi_az = false
