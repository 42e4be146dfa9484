resource "aws_instance" "db" {
  ami               = "ami-0c1c30571d2dae5c9"
  instance_type     = "r6i.large"
  availability_zone = "eu-west-1a"
}

resource "aws_ebs_volume" "data" {
  availability_zone = "eu-west-1a"
  size              = 500
  type              = "gp3"
  encrypted         = true

  tags = {
    Name = "db-data"
  }
}

resource "aws_volume_attachment" "data" {
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data.id
  instance_id = aws_instance.db.id
}
