variable "name" {
  description = "Name prefix, e.g. fft-dev."
  type        = string
}

variable "alarm_email" {
  description = "Email subscribed to alarms and budget alerts (confirm the subscription email). Null: no subscription."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an email address."
  }
}

variable "cluster_name" {
  description = "ECS cluster of the service."
  type        = string
}

variable "service_name" {
  description = "ECS service to watch."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ALB ARN suffix (metrics dimension)."
  type        = string
}

variable "target_group_arn_suffix" {
  description = "Target group ARN suffix (metrics dimension)."
  type        = string
}

variable "db_instance_identifier" {
  description = "RDS instance to watch, or null without a database."
  type        = string
  default     = null
}

variable "budget_limit_usd" {
  description = "Monthly AWS Budget in USD (budgets without actions are free)."
  type        = number
  default     = 10

  validation {
    condition     = var.budget_limit_usd > 0
    error_message = "budget_limit_usd must be positive."
  }
}

variable "budget_actual_threshold_percent" {
  description = "Alert when actual spend passes this percentage of the budget."
  type        = number
  default     = 80
}

variable "budget_forecast_threshold_percent" {
  description = "Alert when forecasted spend passes this percentage of the budget."
  type        = number
  default     = 100
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
