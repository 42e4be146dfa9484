multi_az = true
