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

variable "ingress" {
  description = "The stack's ingress, which decides the ingress alarms: \"alb\" (needs alb_arn_suffix and target_group_arn_suffix) or \"http-api\" (needs api_id). Static, because alarm keys must be known at plan time."
  type        = string
  default     = "alb"

  validation {
    condition     = contains(["alb", "http-api"], var.ingress)
    error_message = "ingress must be \"alb\" or \"http-api\"."
  }
}

variable "alb_arn_suffix" {
  description = "ALB ARN suffix (metrics dimension); null with the HTTP API ingress."
  type        = string
  default     = null
}

variable "target_group_arn_suffix" {
  description = "Target group ARN suffix (metrics dimension); null with the HTTP API ingress."
  type        = string
  default     = null
}

variable "api_id" {
  description = "HTTP API ID (metrics dimension ApiId); null with the ALB ingress."
  type        = string
  default     = null
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
