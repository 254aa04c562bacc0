variable "name" {
  description = "Name prefix, e.g. fft-dev (ALB names are limited to 32 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,24}[a-z0-9]$", var.name))
    error_message = "name must be 3-26 lowercase letters, digits or hyphens (suffixes are added)."
  }
}

variable "vpc_id" {
  description = "VPC of the load balancer."
  type        = string
}

variable "subnet_ids" {
  description = "Public subnets in at least two AZs (an ALB requires two)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "An Application Load Balancer needs subnets in at least two Availability Zones."
  }
}

variable "certificate_arn" {
  description = "ACM certificate ARN. When set: HTTPS listener (TLS 1.2+), HTTP redirects to HTTPS. When null: plain HTTP only (dev without a domain)."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:...)."
  }
}

variable "domain_name" {
  description = "Domain to serve over HTTPS with a free ACM certificate validated through Route 53 (needs route53_zone_id). Ignored when certificate_arn is set. Public ACM certificates cost nothing; the hosted zone is $0.50/month."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name == null || can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lowercase DNS name like app.example.com."
  }
}

variable "route53_zone_id" {
  description = "Hosted zone of domain_name, for certificate validation and the alias record."
  type        = string
  default     = null
}

variable "container_port" {
  description = "Port the tasks listen on (target group port)."
  type        = number
  default     = 8080

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "Use an unprivileged port (1024-65535): the container runs as non-root."
  }
}

variable "health_check_path" {
  description = "HTTP path the target group probes."
  type        = string
  default     = "/health"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with /."
  }
}

variable "deletion_protection" {
  description = "Protect the ALB from deletion. Off in dev so clean-up and destroy work; on in production."
  type        = bool
  default     = false
}

variable "ingress_cidr_blocks" {
  description = "Who may reach the ALB listeners."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "idle_timeout" {
  description = "Seconds an idle connection stays open."
  type        = number
  default     = 60
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
