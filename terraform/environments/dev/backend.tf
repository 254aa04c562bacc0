# Partial configuration: pass the bucket at init time so no account id is committed:
#   terraform init -backend-config="bucket=$(terraform -chdir=../../global output -raw state_bucket)"
# S3 native locking (use_lockfile) needs Terraform >= 1.11; no DynamoDB table.
terraform {
  backend "s3" {
    key          = "environments/dev/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
  }
}
