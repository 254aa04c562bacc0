variable "name" {
  description = "Service name, e.g. app-service."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,255}$", var.name))
    error_message = "Service names use letters, digits, hyphens and underscores."
  }
}

variable "name_prefix" {
  description = "Prefix for the task family, log group and security group, e.g. fft-dev."
  type        = string
}

variable "cluster_name" {
  description = "ECS cluster name."
  type        = string
}

variable "cluster_arn" {
  description = "ECS cluster ARN."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "subnet_ids" {
  description = "Public subnets available to the tasks (first task_subnet_count are used)."
  type        = list(string)
}

variable "task_subnet_count" {
  description = "How many of subnet_ids the tasks may run in. 1 keeps tasks in one AZ: no cross-AZ data transfer ($0.01/GB each way) and one fewer place to debug."
  type        = number
  default     = 1

  validation {
    condition     = var.task_subnet_count >= 1
    error_message = "task_subnet_count must be at least 1."
  }
}

variable "assign_public_ip" {
  description = "Give tasks a public IPv4 ($3.65/month each) so they can pull images without a NAT gateway ($32.85/month)."
  type        = bool
  default     = true
}

variable "ingress_security_group_id" {
  description = "Security group of the ingress (the ALB, or the HTTP API's VPC link): the only source allowed to reach the container port."
  type        = string
}

variable "target_group_arn" {
  description = "ALB target group to register tasks in (null with the HTTP API ingress)."
  type        = string
  default     = null
}

variable "service_discovery_service_arn" {
  description = "Cloud Map service to register tasks in, with SRV records (the HTTP API ingress; null with the ALB)."
  type        = string
  default     = null
}

variable "container_image" {
  description = "Initial image (ecs-deploy rolls new ones; Terraform ignores later revisions)."
  type        = string
}

variable "container_port" {
  description = "Port the container listens on (unprivileged: the image runs as non-root)."
  type        = number
  default     = 8080

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "container_port must be 1024-65535."
  }
}

variable "cpu" {
  description = "Task CPU units (256 = 0.25 vCPU). Fargate x86: $0.04048 per vCPU-hour."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }
}

variable "memory" {
  description = "Task memory in MiB; must be a valid Fargate combination with cpu. $0.004445 per GB-hour (x86)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880
    error_message = "memory must be between 512 and 122880 MiB."
  }
}

variable "architecture" {
  description = "CPU architecture: X86_64, or ARM64 (Graviton, about 20 % cheaper; the image must be built for arm64)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.architecture)
    error_message = "architecture must be X86_64 or ARM64."
  }
}

variable "use_spot" {
  description = "Run on Fargate Spot (up to 70 % cheaper; tasks can be stopped with 2 minutes' notice)."
  type        = bool
  default     = false
}

variable "desired_count" {
  description = "Tasks when scaled up. After creation ecs-scale owns this value (Terraform ignores it)."
  type        = number
  default     = 1

  validation {
    condition     = var.desired_count >= 0 && var.desired_count <= 10
    error_message = "desired_count must be 0-10 for this stack."
  }
}

variable "max_count" {
  description = "Upper bound for Application Auto Scaling."
  type        = number
  default     = 2
}

variable "health_check_grace_period_seconds" {
  description = "Seconds ECS ignores failing ALB health checks after a task starts."
  type        = number
  default     = 30
}

variable "log_retention_days" {
  description = "CloudWatch log retention. 7 days keeps storage inside the 5 GB always-free allowance for a small app; never 0 (never expire)."
  type        = number
  default     = 7

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30], var.log_retention_days)
    error_message = "log_retention_days must be one of 1, 3, 5, 7, 14, 30 (longer retention costs $0.03/GB-month)."
  }
}

variable "environment" {
  description = "Plain, non-secret environment variables for the container."
  type        = map(string)
  default     = {}
}

variable "secrets" {
  description = "Secrets injected from SSM Parameter Store: env var name => parameter name (e.g. DB_PASSWORD = \"/app/dev/db-password\"). Never put secret values in `environment`."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for p in values(var.secrets) : startswith(p, "/")])
    error_message = "secrets values are fully qualified SSM parameter names starting with /."
  }
}

variable "execution_role_arn" {
  description = "Task execution role (pull image, write logs, read the environment's SSM parameters). Created in terraform/global."
  type        = string
}

variable "task_role_arn" {
  description = "Role the application code runs as. Created in terraform/global."
  type        = string
}

variable "enable_schedule" {
  description = "Scale to zero outside working hours with Application Auto Scaling scheduled actions (no charge of their own)."
  type        = bool
  default     = true
}

variable "schedule_timezone" {
  description = "IANA time zone of the schedule, e.g. Europe/Berlin."
  type        = string
  default     = "UTC"
}

variable "scale_up_cron" {
  description = "When to scale up to desired_count (Application Auto Scaling cron, 6 fields)."
  type        = string
  default     = "cron(0 8 ? * MON-FRI *)"

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.scale_up_cron))
    error_message = "scale_up_cron must look like cron(0 8 ? * MON-FRI *)."
  }
}

variable "scale_down_cron" {
  description = "When to scale to zero."
  type        = string
  default     = "cron(0 18 ? * MON-FRI *)"

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.scale_down_cron))
    error_message = "scale_down_cron must look like cron(0 18 ? * MON-FRI *)."
  }
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
