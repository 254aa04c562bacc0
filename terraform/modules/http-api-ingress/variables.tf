variable "name" {
  description = "Name prefix of every resource (e.g. fft-dev)."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the tasks."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets of the VPC link: in Availability Zone IDs that support VPC links for HTTP APIs (in us-east-1: use1-az1, az2, az4, az5, az6)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "The VPC link needs at least one subnet."
  }
}

variable "container_port" {
  description = "Port the container listens on (the SRV records carry it)."
  type        = number
  default     = 8080
}

variable "namespace_name" {
  description = "Private DNS namespace of the Cloud Map service (a Route 53 private hosted zone, $0.50/month). Default: NAME.internal."
  type        = string
  default     = null
}

variable "throttling_rate_limit" {
  description = "Steady requests per second the API accepts; more are answered 429. Requests are billed, so this also caps what a flood can cost."
  type        = number
  default     = 20

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "throttling_burst_limit" {
  description = "Requests the API accepts in a burst above the rate limit."
  type        = number
  default     = 40

  validation {
    condition     = var.throttling_burst_limit > 0
    error_message = "throttling_burst_limit must be positive."
  }
}

variable "domain_name" {
  description = "Custom domain of the API, served over HTTPS with a free ACM certificate (regional endpoint) validated through Route 53 (needs route53_zone_id). Null: the default execute-api URL, which is HTTPS already."
  type        = string
  default     = null
}

variable "route53_zone_id" {
  description = "Public hosted zone of domain_name, for the certificate's validation and the alias record."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource (the provider's default_tags apply too)."
  type        = map(string)
  default     = {}
}
