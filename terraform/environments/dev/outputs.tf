# The contract between Terraform and the Rust tools (docs/architecture/terraform-outputs.md).

output "region" {
  description = "Region of the environment."
  value       = var.region
}

output "vpc_id" {
  description = "The environment's VPC (cleanup-unused-resources scopes network interfaces by it)."
  value       = module.vpc.vpc_id
}

output "cluster_name" {
  description = "ECS cluster (ecs-deploy, ecs-scale, ecs-logs)."
  value       = module.cluster.cluster_name
}

output "service_names" {
  description = "ECS services of the environment."
  value       = [module.app.service_name]
}

output "alb_dns_name" {
  description = "DNS name of the ALB (null with the HTTP API ingress)."
  value       = local.alb ? module.alb[0].alb_dns_name : null
}

output "app_url" {
  description = "Base URL of the app, whichever the ingress (health check: APP_URL/health)."
  value       = local.alb ? module.alb[0].url : module.http_api[0].app_url
}

output "ecr_repository_url" {
  description = "Repository of the app image (push-to-ecr, ecs-deploy --image)."
  value       = data.aws_ecr_repository.app.repository_url
}

output "target_group_arn" {
  description = "Target group (ecs-deploy checks target health; null with the HTTP API ingress)."
  value       = local.alb ? module.alb[0].target_group_arn : null
}

output "log_group_names" {
  description = "Service name => CloudWatch log group (ecs-logs)."
  value       = { (module.app.service_name) = module.app.log_group_name }
}

output "parameter_path" {
  description = "SSM path of this environment's parameters: parameter-store's default path when fargate.toml sets none."
  value       = local.parameter_path
}

output "alerts_topic_arn" {
  description = "SNS topic of alarms and budget alerts."
  value       = module.monitoring.sns_topic_arn
}

output "database_endpoint" {
  description = "PostgreSQL endpoint, or null."
  value       = var.enable_rds ? module.database[0].endpoint : null
}

output "cost_guard_parameter" {
  description = "SSM parameter the spend cap writes when it stops the environment (null without a cap): ecs-scale, deploy and ecs-deploy read it, `ecs-scale resume` clears it."
  value       = var.spend_cap_usd == null ? null : module.cost_guard[0].state_parameter
}
