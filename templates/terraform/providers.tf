locals {
  default_tags = {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "eventctl"
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.default_tags
  }
}

# CloudFront accepts certificates from us-east-1 only.
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.default_tags
  }
}
