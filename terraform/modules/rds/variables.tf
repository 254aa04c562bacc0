variable "name" {
  description = "Identifier prefix, e.g. fft-dev."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the database."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets in two AZs (an RDS subnet group requires two even for a single-AZ instance)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "An RDS subnet group needs subnets in at least two Availability Zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups (the service's tasks) allowed to connect on 5432."
  type        = list(string)
}

variable "engine_version" {
  description = "PostgreSQL major (or major.minor) version. Must be in RDS standard support: versions in Extended Support add $0.10 per vCPU-hour (about $146/month on a 2-vCPU micro instance)."
  type        = string
  default     = "17"

  validation {
    # PostgreSQL 13 left standard support on 2026-02-28 and 14 leaves it on
    # 2027-02-28; 11-14 are refused so nobody starts a database that is (or is
    # about to be) billed for Extended Support.
    condition     = can(regex("^(15|16|17|18)(\\.[0-9]+)?$", var.engine_version))
    error_message = "engine_version must be PostgreSQL 15, 16, 17 or 18. 13 is in RDS Extended Support since 2026-03-01 (+$0.10/vCPU-hour, about $146/month on db.t3.micro) and 14 leaves standard support on 2027-02-28."
  }
}

variable "instance_class" {
  description = "Burstable micro/small instance. db.t4g.micro is about $0.016/h ($11.68/month), db.t3.micro $0.018/h ($13.14/month). No free tier for accounts created after 2025-07-15."
  type        = string
  default     = "db.t4g.micro"

  validation {
    condition     = contains(["db.t4g.micro", "db.t3.micro", "db.t4g.small", "db.t3.small"], var.instance_class)
    error_message = "instance_class must be db.t4g.micro, db.t3.micro, db.t4g.small or db.t3.small for this stack."
  }
}

variable "allocated_storage" {
  description = "gp3 storage in GB (20 is the minimum). Autoscaling is disabled so the bill cannot grow by itself."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage >= 20 && var.allocated_storage <= 100
    error_message = "allocated_storage must be 20-100 GB."
  }
}

variable "multi_az" {
  description = "Multi-AZ doubles the instance price. Off for dev."
  type        = bool
  default     = false
}

variable "database_name" {
  description = "Initial database name."
  type        = string
  default     = "app"
}

variable "master_username" {
  description = "Master user name."
  type        = string
  default     = "app_admin"
}

variable "master_password_parameter" {
  description = "SSM SecureString parameter holding the master password (create it with `parameter-store create --name /app/dev/db-password --type SecureString`). Secrets Manager's managed password would cost $0.40/month."
  type        = string

  validation {
    condition     = startswith(var.master_password_parameter, "/")
    error_message = "master_password_parameter is a fully qualified SSM name starting with /."
  }
}

variable "backup_retention_days" {
  description = "Automated backup retention (backup storage up to the DB size is included)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be 1-35."
  }
}

variable "deletion_protection" {
  description = "Protect from deletion (on for production; off in dev so clean-up works)."
  type        = bool
  default     = false
}

variable "skip_final_snapshot" {
  description = "Skip the final snapshot on destroy (dev)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
