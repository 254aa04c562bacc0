# Optional PostgreSQL. Not free: see the module README for the monthly figures.

locals {
  major = split(".", var.engine_version)[0]
}

data "aws_ssm_parameter" "master_password" {
  name            = var.master_password_parameter
  with_decryption = true
}

resource "aws_db_subnet_group" "this" {
  name       = "${var.name}-db"
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_security_group" "db" {
  name        = "${var.name}-db"
  description = "PostgreSQL from the service tasks only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-db" })
}

resource "aws_vpc_security_group_ingress_rule" "postgres" {
  for_each = toset(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the service"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = each.value
}

resource "aws_db_parameter_group" "this" {
  name   = "${var.name}-pg${local.major}"
  family = "postgres${local.major}"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }

  tags = var.tags
}

resource "aws_db_instance" "this" {
  # checkov:skip=CKV_AWS_157: Multi-AZ doubles the instance price; a variable, off in dev
  # checkov:skip=CKV_AWS_118: enhanced monitoring bills CloudWatch Logs ingestion; basic metrics are free
  # checkov:skip=CKV_AWS_129: exporting logs to CloudWatch costs $0.50/GB past the shared 5 GB free tier
  # checkov:skip=CKV_AWS_293: deletion protection is a variable, off in dev so clean-up works
  # checkov:skip=CKV_AWS_353: Performance Insights is left off to avoid paid retention; basic metrics suffice for dev
  # checkov:skip=CKV_AWS_354: no Performance Insights, so no key for it
  # checkov:skip=CKV2_AWS_30: query logging to CloudWatch costs ingestion; slow queries (>1 s) are logged locally
  identifier     = "${var.name}-db"
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  allocated_storage     = var.allocated_storage
  max_allocated_storage = var.allocated_storage
  storage_type          = "gp3"
  # AWS-managed aws/rds key: encryption at rest at no charge.
  storage_encrypted = true

  db_name                             = var.database_name
  username                            = var.master_username
  password                            = data.aws_ssm_parameter.master_password.value # pragma: allowlist secret
  iam_database_authentication_enabled = true

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  parameter_group_name   = aws_db_parameter_group.this.name
  publicly_accessible    = false
  multi_az               = var.multi_az

  backup_retention_period    = var.backup_retention_days
  copy_tags_to_snapshot      = true
  auto_minor_version_upgrade = true
  deletion_protection        = var.deletion_protection
  skip_final_snapshot        = var.skip_final_snapshot
  final_snapshot_identifier  = var.skip_final_snapshot ? null : "${var.name}-db-final"

  performance_insights_enabled = false

  tags = var.tags
}
