# Provisioned capacity (not on-demand): the always-free 25 RCU/WCU apply only to
# provisioned mode.

resource "aws_dynamodb_table" "this" {
  # checkov:skip=CKV2_AWS_16: autoscaling could raise capacity past the always-free 25 RCU/WCU; capacity is fixed on purpose
  # checkov:skip=CKV_AWS_28: PITR is billed per GB-month; a variable, off for dev data that can be recreated
  # checkov:skip=CKV_AWS_119: a customer-managed KMS key costs $1/month; the AWS-owned key encrypts at rest for free
  name           = var.name
  billing_mode   = "PROVISIONED"
  read_capacity  = var.read_capacity
  write_capacity = var.write_capacity
  hash_key       = var.hash_key
  range_key      = var.range_key

  attribute {
    name = var.hash_key
    type = "S"
  }

  dynamic "attribute" {
    for_each = var.range_key == null ? [] : [var.range_key]
    content {
      name = attribute.value
      type = "S"
    }
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  # No server_side_encryption block: the AWS-owned key encrypts at rest with no key
  # fee and no KMS request charges.

  tags = var.tags
}
