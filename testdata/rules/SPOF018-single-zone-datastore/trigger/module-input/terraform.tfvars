ha = false
