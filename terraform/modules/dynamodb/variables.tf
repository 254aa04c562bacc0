variable "name" {
  description = "Table name."
  type        = string
}

variable "hash_key" {
  description = "Partition key attribute name (type S)."
  type        = string
  default     = "pk"
}

variable "range_key" {
  description = "Optional sort key attribute name (type S)."
  type        = string
  default     = null
}

variable "read_capacity" {
  description = "Provisioned RCU. The always-free allowance is 25 RCU + 25 WCU per account and region, shared by all tables."
  type        = number
  default     = 5

  validation {
    condition     = var.read_capacity >= 1 && var.read_capacity <= 25
    error_message = "read_capacity must be 1-25 to stay within the always-free 25 RCU."
  }
}

variable "write_capacity" {
  description = "Provisioned WCU (always free up to 25 per account and region)."
  type        = number
  default     = 5

  validation {
    condition     = var.write_capacity >= 1 && var.write_capacity <= 25
    error_message = "write_capacity must be 1-25 to stay within the always-free 25 WCU."
  }
}

variable "point_in_time_recovery" {
  description = "PITR costs about $0.20 per GB-month of table size; off by default for a dev table (see README)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
