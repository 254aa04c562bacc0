output "service_name" {
  description = "ECS service name."
  value       = aws_ecs_service.app.name
}

output "task_family" {
  description = "Task definition family (ecs-deploy registers new revisions in it)."
  value       = aws_ecs_task_definition.app.family
}

output "log_group_name" {
  description = "CloudWatch log group of the container (ecs-logs reads it)."
  value       = aws_cloudwatch_log_group.app.name
}

output "security_group_id" {
  description = "Security group of the tasks (RDS allows ingress from it)."
  value       = aws_security_group.task.id
}

output "autoscaling_resource_id" {
  description = "Application Auto Scaling resource id (service/CLUSTER/SERVICE)."
  value       = aws_appautoscaling_target.app.resource_id
}
