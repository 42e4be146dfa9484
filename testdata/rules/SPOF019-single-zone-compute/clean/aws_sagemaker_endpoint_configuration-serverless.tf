resource "aws_sagemaker_endpoint_configuration" "model" {
  name = "model"

  production_variants {
    variant_name = "primary"
    model_name   = "model"

    serverless_config {
      max_concurrency   = 5
      memory_size_in_mb = 2048
    }
  }
}
