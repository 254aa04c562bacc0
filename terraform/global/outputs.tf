output "state_bucket" {
  description = "Name of the Terraform state bucket (use it in each environment's backend block)."
  value       = aws_s3_bucket.state.bucket
}

output "ecr_repository_url" {
  description = "Repository for the app image (push-to-ecr pushes here)."
  value       = module.ecr.repository_url
}

output "github_deploy_role_arn" {
  description = "Role for GitHub Actions (configure it in the workflow's aws-actions/configure-aws-credentials step)."
  value       = aws_iam_role.github_deploy.arn
}

output "task_execution_role_arns" {
  description = "Task execution role ARN per environment."
  value       = { for k, r in aws_iam_role.task_execution : k => r.arn }
}

output "task_role_arns" {
  description = "Task role ARN per environment."
  value       = { for k, r in aws_iam_role.task : k => r.arn }
}

output "parameter_paths" {
  description = "SSM path of each environment's parameters (its task roles may read PATH/*)."
  value       = local.parameter_paths
}

output "cost_guard_role_arns" {
  description = "Environment => execution role of its cost guard (terraform/modules/cost-guard)."
  value       = { for e, r in aws_iam_role.cost_guard : e => r.arn }
}
