variable "name" {
  description = "Name prefix for every resource, e.g. fft-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 lowercase letters, digits or hyphens."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC."
  type        = string
  default     = "10.20.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.cidr_block))
    error_message = "cidr_block must be a valid IPv4 CIDR, e.g. 10.20.0.0/16."
  }
}

variable "availability_zones" {
  description = "Exactly two AZs: the ALB and an RDS subnet group need subnets in two. Tasks run in the first (see task_subnet_count in ecs-service)."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 2
    error_message = "Give exactly two availability zones: an ALB needs two, more only adds cost-neutral complexity."
  }
}

variable "enable_s3_gateway_endpoint" {
  description = "Add a (free) S3 gateway endpoint so ECR layer pulls stay inside AWS. Interface endpoints cost $7.30/month per AZ and are deliberately not offered."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags (provider default_tags already carry project/environment/owner/cost-center)."
  type        = map(string)
  default     = {}
}
