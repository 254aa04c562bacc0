variable "name" {
  description = "Cluster name, e.g. fft-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,255}$", var.name))
    error_message = "Cluster names use letters, digits, hyphens and underscores (max 255)."
  }
}

variable "container_insights" {
  description = "CloudWatch Container Insights. Billed as custom metrics ($0.30 each/month) plus performance-log ingestion: off for a low-cost stack."
  type        = bool
  default     = false
}

variable "default_capacity_provider" {
  description = "Default capacity provider: FARGATE, or FARGATE_SPOT (up to 70 % cheaper, tasks can be interrupted with 2 minutes' notice)."
  type        = string
  default     = "FARGATE"

  validation {
    condition     = contains(["FARGATE", "FARGATE_SPOT"], var.default_capacity_provider)
    error_message = "default_capacity_provider must be FARGATE or FARGATE_SPOT."
  }
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
