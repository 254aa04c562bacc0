variable "name" {
  description = "Repository name, e.g. fft/app."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$", var.name))
    error_message = "Repository names are lowercase, with ., _, - and / separators."
  }
}

variable "keep_images" {
  description = "How many tagged images to keep. Storage is $0.10/GB-month with no free tier for new accounts; a lifecycle policy keeps it bounded."
  type        = number
  default     = 10

  validation {
    condition     = var.keep_images >= 1 && var.keep_images <= 1000
    error_message = "keep_images must be between 1 and 1000."
  }
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images are deleted."
  type        = number
  default     = 1
}

variable "force_delete" {
  description = "Allow destroying the repository with images in it (dev clean-up)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
