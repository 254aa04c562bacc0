# One Fargate service behind the ALB. Terraform creates it; after that the Rust tools
# own rollouts (ecs-deploy) and scaling (ecs-scale): see
# docs/decisions/0003-terraform-owns-infrastructure-tools-own-rollouts.md.

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  family    = "${var.name_prefix}-${var.name}"
  log_group = "/ecs/${var.name_prefix}/${var.name}"
  subnets   = slice(var.subnet_ids, 0, min(var.task_subnet_count, length(var.subnet_ids)))

  # Valid Fargate memory (MiB) for each CPU size.
  fargate_memory = {
    "256"   = [512, 1024, 2048]
    "512"   = [for gb in range(1, 5) : gb * 1024]
    "1024"  = [for gb in range(2, 9) : gb * 1024]
    "2048"  = [for gb in range(4, 17) : gb * 1024]
    "4096"  = [for gb in range(8, 31) : gb * 1024]
    "8192"  = [for gb in range(16, 61, 4) : gb * 1024]
    "16384" = [for gb in range(32, 121, 8) : gb * 1024]
  }
  valid_size = contains(lookup(local.fargate_memory, tostring(var.cpu), []), var.memory)

  parameter_arn_prefix = "arn:aws:ssm:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:parameter"

  container = {
    name      = "app"
    image     = var.container_image
    essential = true
    portMappings = [{
      containerPort = var.container_port
      protocol      = "tcp"
    }]
    readonlyRootFilesystem = true
    mountPoints = [
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
      { sourceVolume = "nginx-cache", containerPath = "/var/cache/nginx", readOnly = false },
    ]
    environment = [for k, v in var.environment : { name = k, value = v }]
    # SecureString values are resolved by the ECS agent at start; they never sit in
    # the task definition or Terraform state.
    secrets = [for k, p in var.secrets : { name = k, valueFrom = "${local.parameter_arn_prefix}${p}" }]
    healthCheck = {
      command     = ["CMD-SHELL", "wget -q -O /dev/null http://127.0.0.1:${var.container_port}/health || exit 1"]
      interval    = 30
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = local.log_group
        awslogs-region        = data.aws_region.current.id
        awslogs-stream-prefix = "app"
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "app" {
  # checkov:skip=CKV_AWS_158: a customer-managed KMS key costs $1/month; logs are encrypted at rest by CloudWatch anyway
  # checkov:skip=CKV_AWS_338: one-year retention costs $0.03/GB-month past the 5 GB free tier; 7 days is enough for a dev stack
  name              = local.log_group
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_security_group" "task" {
  name        = "${local.family}-task"
  description = "Tasks of ${var.name}: container port from the ingress only, HTTPS out"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${local.family}-task" })
}

resource "aws_vpc_security_group_ingress_rule" "from_ingress" {
  security_group_id            = aws_security_group.task.id
  description                  = "Container port from the ingress (ALB or VPC link)"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = var.ingress_security_group_id
}

moved {
  from = aws_vpc_security_group_ingress_rule.from_alb
  to   = aws_vpc_security_group_ingress_rule.from_ingress
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.task.id
  description       = "HTTPS to AWS APIs (ECR, SSM, CloudWatch Logs) and the internet"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_ecs_task_definition" "app" {
  family                   = local.family
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = var.task_role_arn
  container_definitions    = jsonencode([local.container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.architecture
  }

  volume {
    name = "tmp"
  }

  volume {
    name = "nginx-cache"
  }

  lifecycle {
    precondition {
      condition     = local.valid_size
      error_message = "cpu = ${var.cpu} with memory = ${var.memory} is not a valid Fargate size. For 256 CPU use 512, 1024 or 2048 MiB; see the module README for the full table."
    }
  }

  tags = var.tags
}

resource "aws_ecs_service" "app" {
  # checkov:skip=CKV_AWS_333: tasks need a public IPv4 ($3.65/month) to pull images without a NAT gateway ($32.85/month); the security group admits only the ingress
  name            = var.name
  cluster         = var.cluster_arn
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = var.desired_count
  # ECS accepts a grace period only for services behind a load balancer.
  health_check_grace_period_seconds = var.target_group_arn == null ? null : var.health_check_grace_period_seconds
  enable_execute_command            = false
  propagate_tags                    = "SERVICE"

  capacity_provider_strategy {
    capacity_provider = var.use_spot ? "FARGATE_SPOT" : "FARGATE"
    weight            = 1
  }

  network_configuration {
    subnets          = local.subnets
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = var.assign_public_ip
  }

  dynamic "load_balancer" {
    for_each = var.target_group_arn == null ? [] : [var.target_group_arn]
    content {
      target_group_arn = load_balancer.value
      container_name   = "app"
      container_port   = var.container_port
    }
  }

  dynamic "service_registries" {
    for_each = var.service_discovery_service_arn == null ? [] : [var.service_discovery_service_arn]
    content {
      registry_arn   = service_registries.value
      container_name = "app"
      container_port = var.container_port
    }
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  lifecycle {
    # ecs-deploy registers new revisions and ecs-scale sets the count.
    ignore_changes = [task_definition, desired_count]
  }

  tags = var.tags
}

resource "aws_appautoscaling_target" "app" {
  service_namespace  = "ecs"
  resource_id        = "service/${var.cluster_name}/${aws_ecs_service.app.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 0
  max_capacity       = var.max_count
  tags               = var.tags
}

resource "aws_appautoscaling_scheduled_action" "scale_up" {
  count = var.enable_schedule ? 1 : 0

  name               = "${local.family}-scale-up"
  service_namespace  = aws_appautoscaling_target.app.service_namespace
  resource_id        = aws_appautoscaling_target.app.resource_id
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension
  schedule           = var.scale_up_cron
  timezone           = var.schedule_timezone

  scalable_target_action {
    min_capacity = var.desired_count
    max_capacity = var.max_count
  }
}

resource "aws_appautoscaling_scheduled_action" "scale_down" {
  count = var.enable_schedule ? 1 : 0

  name               = "${local.family}-scale-down"
  service_namespace  = aws_appautoscaling_target.app.service_namespace
  resource_id        = aws_appautoscaling_target.app.resource_id
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension
  schedule           = var.scale_down_cron
  timezone           = var.schedule_timezone

  scalable_target_action {
    min_capacity = 0
    max_capacity = 0
  }

  # Two scheduled actions on one target must not be created concurrently.
  depends_on = [aws_appautoscaling_scheduled_action.scale_up]
}
