output "alb_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "ARN suffix, for CloudWatch metrics dimensions."
  value       = aws_lb.this.arn_suffix
}

output "alb_dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "url" {
  description = "Base URL of the app (https when a certificate is configured)."
  value       = local.managed_cert ? "https://${var.domain_name}" : "${local.https ? "https" : "http"}://${aws_lb.this.dns_name}"
}

output "target_group_arn" {
  description = "Target group the service registers tasks in."
  value       = aws_lb_target_group.app.arn
}

output "target_group_arn_suffix" {
  description = "Target group ARN suffix, for CloudWatch metrics dimensions."
  value       = aws_lb_target_group.app.arn_suffix
}

output "security_group_id" {
  description = "Security group of the ALB (the tasks allow ingress from it only)."
  value       = aws_security_group.alb.id
}
