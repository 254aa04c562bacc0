variable "project" {
  description = "Project name (must match terraform/global)."
  type        = string
  default     = "fft"
}

variable "environment" {
  description = "Environment name."
  type        = string
  default     = "dev"
}

variable "parameter_path_prefix" {
  description = "SSM prefix of the environments' parameters: the same value as parameter_path_prefix of terraform/global (default /app), whose IAM policies let this environment's tasks read PREFIX/ENVIRONMENT/*."
  type        = string
  default     = "/app"

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+$", var.parameter_path_prefix))
    error_message = "parameter_path_prefix is an SSM path like /app: starts with /, no trailing /."
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "ingress" {
  description = "How requests reach the tasks: \"http-api\" (API Gateway HTTP API + VPC link + Cloud Map: billed per request, no hourly charge) or \"alb\" (Application Load Balancer: billed 24x7; for WebSockets, answers slower than 30 s or payloads over 10 MB). docs/decisions/0006-http-api-ingress.md compares them."
  type        = string
  default     = "http-api"

  validation {
    condition     = contains(["http-api", "alb"], var.ingress)
    error_message = "ingress must be \"http-api\" or \"alb\"."
  }
}

variable "availability_zones" {
  description = "Two AZs by name (the ALB needs two; tasks run in the first). Default: the first two, in name order, whose AZ IDs support VPC links for HTTP APIs (AZ names map to different AZ IDs in each account)."
  type        = list(string)
  default     = null

  validation {
    condition     = var.availability_zones == null || length(coalesce(var.availability_zones, [])) == 2
    error_message = "Give exactly two availability zones, or leave availability_zones unset."
  }
}

variable "owner" {
  description = "owner tag."
  type        = string
  default     = "platform"
}

variable "cost_center" {
  description = "cost-center tag."
  type        = string
  default     = "dev"
}

variable "certificate_arn" {
  description = "Existing ACM certificate for the ALB's HTTPS listener (ingress = \"alb\"); null: see domain_name."
  type        = string
  default     = null
}

variable "domain_name" {
  description = "Serve HTTPS on this domain with a free ACM certificate (needs route53_zone_id): the ALB's listener, or the HTTP API's custom domain. Null: plain HTTP on the ALB's DNS name, or the HTTP API's default endpoint (HTTPS already)."
  type        = string
  default     = null
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of domain_name."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "Tag of the app image in the project's ECR repository for the first deployment (push it with `push-to-ecr --tag latest --environment dev`); later rollouts are done by ecs-deploy."
  type        = string
  default     = "latest"
}

variable "task_cpu" {
  description = "Task CPU units (256 = 0.25 vCPU)."
  type        = number
  default     = 256
}

variable "task_memory" {
  description = "Task memory (MiB)."
  type        = number
  default     = 512
}

variable "architecture" {
  description = "X86_64 or ARM64 (about 20 % cheaper; needs an arm64 image)."
  type        = string
  default     = "X86_64"
}

variable "use_spot" {
  description = "Run the service on Fargate Spot."
  type        = bool
  default     = false
}

variable "desired_count" {
  description = "Tasks during working hours."
  type        = number
  default     = 1
}

variable "schedule_timezone" {
  description = "Time zone of the working-hours schedule."
  type        = string
  default     = "UTC"
}

variable "scale_up_cron" {
  description = "Start of working hours."
  type        = string
  default     = "cron(0 8 ? * MON-FRI *)"
}

variable "scale_down_cron" {
  description = "End of working hours (scale to zero)."
  type        = string
  default     = "cron(0 18 ? * MON-FRI *)"
}

variable "secrets" {
  description = "Env var name => SSM parameter name, injected into the container."
  type        = map(string)
  default     = {}
}

variable "enable_rds" {
  description = "Create the PostgreSQL database (about $11.68/month on db.t4g.micro plus storage; not free)."
  type        = bool
  default     = false
}

variable "enable_dynamodb" {
  description = "Create a DynamoDB table (provisioned, within the always-free 25 RCU/WCU)."
  type        = bool
  default     = false
}

variable "alarm_email" {
  description = "Email for alarms and budget alerts."
  type        = string
  default     = null
}

variable "budget_limit_usd" {
  description = "Monthly budget."
  type        = number
  default     = 10
}

variable "spend_cap_usd" {
  description = "Spend cap in USD per month: past it (the account's spend before credits), the service is scaled to zero and the HTTP API throttled until `ecs-scale resume`. null: no cap. Above budget_limit_usd, which only alerts."
  type        = number
  default     = 20

  validation {
    condition     = var.spend_cap_usd == null || (try(var.spend_cap_usd > 0, false) && try(var.spend_cap_usd < 1000000, false))
    error_message = "spend_cap_usd must be null or a positive amount in USD below 1,000,000."
  }
}

variable "spend_cap_on" {
  description = "What crosses the cap: \"ACTUAL\" month-to-date spend or \"FORECASTED\" spend of the month."
  type        = string
  default     = "ACTUAL"

  validation {
    condition     = contains(["ACTUAL", "FORECASTED"], var.spend_cap_on)
    error_message = "spend_cap_on must be \"ACTUAL\" or \"FORECASTED\"."
  }
}
