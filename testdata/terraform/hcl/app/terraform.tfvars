region   = "eu-west-1"
multi_az = false
zones    = ["ap-northeast-2a", "ap-northeast-2c"]
