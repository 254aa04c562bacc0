variable "domain_name" {
  description = "Domain the certificate is for (public ACM certificates cost nothing)."
  type        = string
}

variable "route53_zone_id" {
  description = "Public hosted zone of domain_name, where the DNS validation record is written."
  type        = string

  validation {
    condition     = var.route53_zone_id != null && var.route53_zone_id != ""
    error_message = "A certificate for domain_name needs route53_zone_id (the hosted zone that validates it)."
  }
}

variable "tags" {
  description = "Tags for the certificate (the provider's default_tags apply too)."
  type        = map(string)
  default     = {}
}
