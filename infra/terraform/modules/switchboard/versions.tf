terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source = "hashicorp/aws"
      # logging_config needs 5.x; nothing here uses what 6.0 removed (aws_region.name).
      version = ">= 5.40, < 7.0"
    }
  }
}
