output "state_parameter" {
  description = "SSM parameter the guard writes when it stops the environment (the tools read it; `ecs-scale resume` deletes it)."
  value       = local.state_parameter
}

output "function_name" {
  description = "The guard's Lambda function."
  value       = aws_lambda_function.guard.function_name
}

output "budget_name" {
  description = "The budget whose notification trips the guard."
  value       = aws_budgets_budget.cap.name
}
