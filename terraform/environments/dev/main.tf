# The dev environment: the cheapest honest configuration of the stack.
# Expected monthly cost: README.md in this directory.

locals {
  name = "${var.project}-${var.environment}"
  # Must be what terraform/global granted this environment's task roles.
  parameter_path = "${var.parameter_path_prefix}/${var.environment}"
  alb            = var.ingress == "alb"
  # AZ IDs where VPC links for HTTP APIs exist (API Gateway developer guide, "Set up VPC
  # links for HTTP APIs", availability by Region); elsewhere every AZ is taken.
  vpc_link_zone_ids = {
    "us-east-1" = ["use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"]
    "us-east-2" = ["use2-az1", "use2-az2", "use2-az3"]
    "us-west-2" = ["usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"]
  }
  # Sorted names: the same two AZs on every plan.
  azs = coalesce(var.availability_zones, slice(sort(data.aws_availability_zones.usable.names), 0, 2))
}

# AZ names map to different AZ IDs in each account: choose by ID.
data "aws_availability_zones" "usable" {
  # checkov:skip=CKV_AWS_394: the zone-id filter pins the AZ IDs where VPC links exist; the sorted first two names stay the same when AWS adds an AZ (new names sort last)
  state = "available"

  dynamic "filter" {
    for_each = contains(keys(local.vpc_link_zone_ids), var.region) ? [local.vpc_link_zone_ids[var.region]] : []
    content {
      name   = "zone-id"
      values = filter.value
    }
  }
}

data "aws_iam_role" "task_execution" {
  name = "${var.project}-${var.environment}-task-execution"
}

data "aws_iam_role" "task" {
  name = "${var.project}-${var.environment}-task"
}

data "aws_iam_role" "cost_guard" {
  count = var.spend_cap_usd == null ? 0 : 1
  name  = "${var.project}-${var.environment}-cost-guard"
}

data "aws_ecr_repository" "app" {
  name = "${var.project}/app"
}

module "vpc" {
  source = "../../modules/vpc"

  name               = local.name
  availability_zones = local.azs
}

module "alb" {
  source = "../../modules/alb"
  count  = local.alb ? 1 : 0

  name            = local.name
  vpc_id          = module.vpc.vpc_id
  subnet_ids      = module.vpc.public_subnet_ids
  certificate_arn = var.certificate_arn
  domain_name     = var.domain_name
  route53_zone_id = var.route53_zone_id
}

module "http_api" {
  source = "../../modules/http-api-ingress"
  count  = local.alb ? 0 : 1

  name            = local.name
  vpc_id          = module.vpc.vpc_id
  subnet_ids      = module.vpc.public_subnet_ids
  container_port  = 8080
  domain_name     = var.domain_name
  route53_zone_id = var.route53_zone_id
}

module "cluster" {
  source = "../../modules/ecs-cluster"

  name = local.name
}

module "app" {
  source = "../../modules/ecs-service"

  name                          = "app-service"
  name_prefix                   = local.name
  cluster_name                  = module.cluster.cluster_name
  cluster_arn                   = module.cluster.cluster_arn
  vpc_id                        = module.vpc.vpc_id
  subnet_ids                    = module.vpc.public_subnet_ids
  task_subnet_count             = 1
  ingress_security_group_id     = local.alb ? module.alb[0].security_group_id : module.http_api[0].security_group_id
  target_group_arn              = local.alb ? module.alb[0].target_group_arn : null
  service_discovery_service_arn = local.alb ? null : module.http_api[0].service_discovery_service_arn
  container_image               = "${data.aws_ecr_repository.app.repository_url}:${var.image_tag}"
  cpu                           = var.task_cpu
  memory                        = var.task_memory
  architecture                  = var.architecture
  use_spot                      = var.use_spot
  desired_count                 = var.desired_count
  log_retention_days            = 7
  secrets                       = var.secrets # pragma: allowlist secret
  execution_role_arn            = data.aws_iam_role.task_execution.arn
  task_role_arn                 = data.aws_iam_role.task.arn
  enable_schedule               = true
  schedule_timezone             = var.schedule_timezone
  scale_up_cron                 = var.scale_up_cron
  scale_down_cron               = var.scale_down_cron
}

module "database" {
  source = "../../modules/rds"
  count  = var.enable_rds ? 1 : 0

  name                       = local.name
  vpc_id                     = module.vpc.vpc_id
  subnet_ids                 = module.vpc.public_subnet_ids
  allowed_security_group_ids = [module.app.security_group_id]
  engine_version             = "17"
  instance_class             = "db.t4g.micro"
  master_password_parameter  = "${local.parameter_path}/db-password"
}

module "table" {
  source = "../../modules/dynamodb"
  count  = var.enable_dynamodb ? 1 : 0

  name           = "${local.name}-items"
  read_capacity  = 5
  write_capacity = 5
}

module "monitoring" {
  source = "../../modules/monitoring"

  name                    = local.name
  alarm_email             = var.alarm_email
  cluster_name            = module.cluster.cluster_name
  service_name            = module.app.service_name
  ingress                 = var.ingress
  alb_arn_suffix          = local.alb ? module.alb[0].alb_arn_suffix : null
  target_group_arn_suffix = local.alb ? module.alb[0].target_group_arn_suffix : null
  api_id                  = local.alb ? null : module.http_api[0].api_id
  db_instance_identifier  = var.enable_rds ? module.database[0].db_instance_identifier : null
  budget_limit_usd        = var.budget_limit_usd
}

# The spend cap (docs/decisions/0009-spend-cap.md): past spend_cap_usd this month, the
# service is scaled to zero and stays there, the HTTP API answers 429, until
# `ecs-scale resume`.
module "cost_guard" {
  source = "../../modules/cost-guard"
  count  = var.spend_cap_usd == null ? 0 : 1

  name             = local.name
  cap_usd          = var.spend_cap_usd
  cap_on           = var.spend_cap_on
  region           = var.region
  cluster_name     = module.cluster.cluster_name
  service_names    = [module.app.service_name]
  http_api_id      = local.alb ? null : module.http_api[0].api_id
  role_arn         = data.aws_iam_role.cost_guard[0].arn
  alerts_topic_arn = module.monitoring.sns_topic_arn
}

# The ALB became optional (var.ingress): existing state keeps it.
moved {
  from = module.alb
  to   = module.alb[0]
}
