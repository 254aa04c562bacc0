variable "project" {
  description = "Project name: prefix of roles, the repository and the state bucket."
  type        = string
  default     = "fft"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be 2-21 lowercase letters, digits or hyphens."
  }
}

variable "region" {
  description = "Region of the state bucket and the environments."
  type        = string
  default     = "us-east-1"
}

variable "owner" {
  description = "Owner tag (a person or team)."
  type        = string
}

variable "cost_center" {
  description = "cost-center tag."
  type        = string
  default     = "dev"
}

variable "environments" {
  description = "Environments that get task roles and deploy permissions."
  type        = list(string)
  default     = ["dev"]

  validation {
    condition     = alltrue([for e in var.environments : can(regex("^[a-z][a-z0-9]{1,9}$", e))])
    error_message = "environment names are 2-10 lowercase letters or digits."
  }
}

variable "parameter_path_prefix" {
  description = "SSM Parameter Store prefix of the environments' parameters: environment NAME reads PREFIX/NAME/*. The tools use the same default (aws_core::config::DEFAULT_PARAMETER_PREFIX); a different value must be set as parameter_path in fargate.toml too."
  type        = string
  default     = "/app"

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+$", var.parameter_path_prefix))
    error_message = "parameter_path_prefix is an SSM path like /app: starts with /, no trailing /."
  }
}

variable "github_repository" {
  description = "GitHub repository allowed to assume the deploy role, as OWNER/NAME."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be OWNER/NAME."
  }
}

variable "github_branch" {
  description = "Only workflows on this branch may deploy."
  type        = string
  default     = "main"
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false if the account already has one)."
  type        = bool
  default     = true
}

variable "state_bucket_name" {
  description = "Name of the Terraform state bucket (globally unique). Null: PROJECT-terraform-state-ACCOUNT_ID."
  type        = string
  default     = null
}

variable "noncurrent_version_days" {
  description = "Days old state versions are kept (S3 storage is $0.023/GB-month; state files are tiny)."
  type        = number
  default     = 90
}
