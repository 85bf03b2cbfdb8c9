terraform {
  # Write-only arguments (secret_string_wo) and ephemeral resources keep generated secrets
  # out of the state; they need Terraform 1.11.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Filled at `terraform init -backend-config=...`: bucket, key, region and the lock table.
  backend "s3" {}
}
