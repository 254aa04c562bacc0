output "app_url" {
  description = "HTTPS URL of the app: the custom domain, else the API's default endpoint."
  value       = var.domain_name == null ? aws_apigatewayv2_api.this.api_endpoint : "https://${var.domain_name}"
}

output "api_id" {
  description = "ID of the HTTP API (metrics dimension ApiId)."
  value       = aws_apigatewayv2_api.this.id
}

output "security_group_id" {
  description = "Security group of the VPC link: the only source the tasks admit."
  value       = aws_security_group.vpc_link.id
}

output "service_discovery_service_arn" {
  description = "Cloud Map service the ECS service registers its tasks in (service_registries)."
  value       = aws_service_discovery_service.app.arn
}
