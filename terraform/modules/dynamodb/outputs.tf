output "table_name" {
  description = "Name of the table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the table (for the task role policy)."
  value       = aws_dynamodb_table.this.arn
}
