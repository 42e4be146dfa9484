region = "ap-northeast-2"
