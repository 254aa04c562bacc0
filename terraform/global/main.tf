# Shared by all environments: state bucket, ECR repository, IAM roles for tasks
# and for GitHub Actions (OIDC, no access keys).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  account_id   = data.aws_caller_identity.current.account_id
  partition    = data.aws_partition.current.partition
  state_bucket = coalesce(var.state_bucket_name, "${var.project}-terraform-state-${local.account_id}")
  # Environment NAME's parameters live under PREFIX/NAME (the tools' default too).
  parameter_paths = { for e in var.environments : e => "${var.parameter_path_prefix}/${e}" }
  github_sub      = "repo:${var.github_repository}:ref:refs/heads/${var.github_branch}"
  # A job that names a GitHub environment (deploy.yml does) gets this subject instead
  # of the branch's: https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
  github_environment_subs = [for e in var.environments : "repo:${var.github_repository}:environment:${e}"]
  oidc_arn                = var.create_github_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : "arn:${local.partition}:iam::${local.account_id}:oidc-provider/token.actions.githubusercontent.com"
}

module "ecr" {
  source = "../modules/ecr"

  name = "${var.project}/app"
}
