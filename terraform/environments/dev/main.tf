# The dev environment: the cheapest honest configuration of the stack.
# Expected monthly cost: README.md in this directory.

locals {
  name = "${var.project}-${var.environment}"
  # Must be what terraform/global granted this environment's task roles.
  parameter_path = "${var.parameter_path_prefix}/${var.environment}"
}

data "aws_iam_role" "task_execution" {
  name = "${var.project}-${var.environment}-task-execution"
}

data "aws_iam_role" "task" {
  name = "${var.project}-${var.environment}-task"
}

data "aws_ecr_repository" "app" {
  name = "${var.project}/app"
}

module "vpc" {
  source = "../../modules/vpc"

  name               = local.name
  availability_zones = var.availability_zones
}

module "alb" {
  source = "../../modules/alb"

  name            = local.name
  vpc_id          = module.vpc.vpc_id
  subnet_ids      = module.vpc.public_subnet_ids
  certificate_arn = var.certificate_arn
  domain_name     = var.domain_name
  route53_zone_id = var.route53_zone_id
}

module "cluster" {
  source = "../../modules/ecs-cluster"

  name = local.name
}

module "app" {
  source = "../../modules/ecs-service"

  name                  = "app-service"
  name_prefix           = local.name
  cluster_name          = module.cluster.cluster_name
  cluster_arn           = module.cluster.cluster_arn
  vpc_id                = module.vpc.vpc_id
  subnet_ids            = module.vpc.public_subnet_ids
  task_subnet_count     = 1
  alb_security_group_id = module.alb.security_group_id
  target_group_arn      = module.alb.target_group_arn
  container_image       = "${data.aws_ecr_repository.app.repository_url}:${var.image_tag}"
  cpu                   = var.task_cpu
  memory                = var.task_memory
  architecture          = var.architecture
  use_spot              = var.use_spot
  desired_count         = var.desired_count
  log_retention_days    = 7
  secrets               = var.secrets # pragma: allowlist secret
  execution_role_arn    = data.aws_iam_role.task_execution.arn
  task_role_arn         = data.aws_iam_role.task.arn
  enable_schedule       = true
  schedule_timezone     = var.schedule_timezone
  scale_up_cron         = var.scale_up_cron
  scale_down_cron       = var.scale_down_cron
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
  alb_arn_suffix          = module.alb.alb_arn_suffix
  target_group_arn_suffix = module.alb.target_group_arn_suffix
  db_instance_identifier  = var.enable_rds ? module.database[0].db_instance_identifier : null
  budget_limit_usd        = var.budget_limit_usd
}
