output "sns_topic_arn" {
  description = "Topic that receives alarms and budget alerts."
  value       = aws_sns_topic.alerts.arn
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms created (at most 10)."
  value       = [for a in aws_cloudwatch_metric_alarm.this : a.alarm_name]
}

output "budget_name" {
  description = "Name of the AWS Budget."
  value       = aws_budgets_budget.monthly.name
}
