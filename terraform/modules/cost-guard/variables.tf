variable "name" {
  description = "Name prefix of the environment, e.g. fft-dev: the function, topic, budget and log group are named NAME-cost-guard, the state parameter /NAME/cost-guard/state."
  type        = string
}

variable "cap_usd" {
  description = "Monthly spend cap in USD: when the account's month-to-date spend (before credits) passes it, the environment's services are scaled to zero and its HTTP API throttled to 0 requests/s until `ecs-scale resume`."
  type        = number

  validation {
    condition     = var.cap_usd > 0 && var.cap_usd < 1000000
    error_message = "cap_usd must be a positive amount in USD below 1,000,000."
  }
}

variable "cap_on" {
  description = "What crosses the cap: \"ACTUAL\" month-to-date spend, or \"FORECASTED\" spend for the month (stops earlier, may stop on a forecast that would not have happened)."
  type        = string
  default     = "ACTUAL"

  validation {
    condition     = contains(["ACTUAL", "FORECASTED"], var.cap_on)
    error_message = "cap_on must be \"ACTUAL\" or \"FORECASTED\"."
  }
}

variable "region" {
  description = "Region of the environment's services and HTTP API (the function calls them there)."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster of the services to stop."
  type        = string
}

variable "service_names" {
  description = "ECS services to scale to zero when the cap is crossed."
  type        = list(string)

  validation {
    condition     = length(var.service_names) > 0
    error_message = "service_names must name at least one service."
  }
}

variable "http_api_id" {
  description = "HTTP API whose $default stage is throttled to 0 requests/s at the cap, or null (ALB ingress: the ALB keeps billing by the hour; see the module README)."
  type        = string
  default     = null
}

variable "role_arn" {
  description = "Execution role of the function, created by terraform/global (NAME-cost-guard): its permissions are scoped to this environment."
  type        = string
}

variable "alerts_topic_arn" {
  description = "SNS topic that also receives the cap's budget notification, so the owner is told (the monitoring module's topic), or null."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every resource (the roots tag through default_tags)."
  type        = map(string)
  default     = {}
}
