resource "aws_sagemaker_endpoint_configuration" "model" {
  name = "model"

  production_variants {
    variant_name           = "primary"
    model_name             = "model"
    instance_type          = "ml.m5.large"
    initial_instance_count = 2
  }
}
