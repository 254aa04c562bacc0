terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }

  # Bootstrap with local state (this configuration creates the state bucket), then
  # uncomment and run `terraform init -migrate-state`. See README.md.
  # backend "s3" {
  #   bucket       = "REPLACE-fft-terraform-state-ACCOUNT_ID"
  #   key          = "global/terraform.tfstate"
  #   region       = "us-east-1"
  #   encrypt      = true
  #   use_lockfile = true
  # }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project       = var.project
      environment   = "global"
      owner         = var.owner
      "cost-center" = var.cost_center
      "managed-by"  = "terraform"
    }
  }
}
