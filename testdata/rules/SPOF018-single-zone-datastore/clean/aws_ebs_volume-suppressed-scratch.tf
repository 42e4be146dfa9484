# An EBS volume is in one zone whatever its attributes: there is no
# zone-redundant form of it. A volume whose loss is acceptable says why.
resource "aws_ebs_volume" "scratch" {
  # spof:ignore[SPOF018] build cache, rebuilt from the artifact store on loss
  availability_zone = "eu-west-1a"
  size              = 200
  type              = "gp3"

  tags = {
    Name = "ci-scratch"
  }
}
