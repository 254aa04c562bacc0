# Critical alarms only: the first 10 standard-resolution alarm metrics are always
# free ($0.10 each beyond). This module creates 5 with the ALB, 3 with the HTTP API
# (2 more with a database).

locals {
  alarm_actions = [aws_sns_topic.alerts.arn]
  with_db       = var.db_instance_identifier != null

  service_alarms = {
    cpu_high = {
      namespace   = "AWS/ECS"
      metric      = "CPUUtilization"
      statistic   = "Average"
      comparison  = "GreaterThanThreshold"
      threshold   = 85
      periods     = 3
      description = "Service CPU above 85 % for 15 minutes: the 0.25 vCPU task is saturated."
      dimensions  = { ClusterName = var.cluster_name, ServiceName = var.service_name }
    }
    memory_high = {
      namespace   = "AWS/ECS"
      metric      = "MemoryUtilization"
      statistic   = "Average"
      comparison  = "GreaterThanThreshold"
      threshold   = 85
      periods     = 3
      description = "Service memory above 85 % for 15 minutes: risk of OOM kills."
      dimensions  = { ClusterName = var.cluster_name, ServiceName = var.service_name }
    }
  }

  alb_alarms = var.ingress == "alb" ? {
    unhealthy_targets = {
      namespace   = "AWS/ApplicationELB"
      metric      = "UnHealthyHostCount"
      statistic   = "Maximum"
      comparison  = "GreaterThanThreshold"
      threshold   = 0
      periods     = 3
      description = "A task fails ALB health checks (runbook: docs/runbooks/health-check-failures.md). Does not fire when scaled to zero."
      dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
    }
    target_5xx = {
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_Target_5XX_Count"
      statistic   = "Sum"
      comparison  = "GreaterThanThreshold"
      threshold   = 10
      periods     = 1
      description = "The app answered more than 10 5xx in 5 minutes."
      dimensions  = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
    }
    alb_5xx = {
      namespace   = "AWS/ApplicationELB"
      metric      = "HTTPCode_ELB_5XX_Count"
      statistic   = "Sum"
      comparison  = "GreaterThanThreshold"
      threshold   = 10
      periods     = 1
      description = "The ALB itself answered more than 10 5xx in 5 minutes (no healthy targets, or scaled to zero while receiving traffic)."
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
    }
  } : {}

  api_alarms = var.ingress == "http-api" ? {
    api_5xx = {
      namespace   = "AWS/ApiGateway"
      metric      = "5xx"
      statistic   = "Sum"
      comparison  = "GreaterThanThreshold"
      threshold   = 10
      periods     = 1
      description = "The HTTP API answered more than 10 5xx in 5 minutes (no healthy task: scaled to zero while receiving traffic, or the app failing)."
      dimensions  = { ApiId = var.api_id }
    }
  } : {}

  db_alarms = local.with_db ? {
    db_cpu_high = {
      namespace   = "AWS/RDS"
      metric      = "CPUUtilization"
      statistic   = "Average"
      comparison  = "GreaterThanThreshold"
      threshold   = 80
      periods     = 3
      description = "Database CPU above 80 % for 15 minutes (burst credits draining)."
      dimensions  = { DBInstanceIdentifier = var.db_instance_identifier }
    }
    db_storage_low = {
      namespace   = "AWS/RDS"
      metric      = "FreeStorageSpace"
      statistic   = "Minimum"
      comparison  = "LessThanThreshold"
      threshold   = 2147483648
      periods     = 1
      description = "Less than 2 GB of database storage left (autoscaling is off on purpose)."
      dimensions  = { DBInstanceIdentifier = var.db_instance_identifier }
    }
  } : {}

  alarms = merge(local.service_alarms, local.alb_alarms, local.api_alarms, local.db_alarms)
}

resource "aws_sns_topic" "alerts" {
  # checkov:skip=CKV_AWS_26: CloudWatch alarms and Budgets cannot publish to a topic encrypted with the AWS-managed aws/sns key; a customer-managed key costs $1/month, and alerts carry no secrets
  name = "${var.name}-alerts"
  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name}-${replace(each.key, "_", "-")}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  evaluation_periods  = each.value.periods
  period              = 300
  dimensions          = each.value.dimensions
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  lifecycle {
    precondition {
      condition     = length(local.alarms) <= 10
      error_message = "More than 10 alarms leaves the always-free allowance ($0.10 per alarm-month beyond)."
    }
  }

  tags = var.tags
}

resource "aws_budgets_budget" "monthly" {
  name         = "${var.name}-monthly"
  budget_type  = "COST"
  limit_amount = format("%.2f", var.budget_limit_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = var.budget_actual_threshold_percent
    threshold_type            = "PERCENTAGE"
    notification_type         = "ACTUAL"
    subscriber_sns_topic_arns = [aws_sns_topic.alerts.arn]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = var.budget_forecast_threshold_percent
    threshold_type            = "PERCENTAGE"
    notification_type         = "FORECASTED"
    subscriber_sns_topic_arns = [aws_sns_topic.alerts.arn]
  }

  tags = var.tags
}

# AWS Budgets must be allowed to publish to the topic.
data "aws_iam_policy_document" "alerts" {
  statement {
    sid       = "BudgetsPublish"
    actions   = ["SNS:Publish"]
    resources = [aws_sns_topic.alerts.arn]

    principals {
      type        = "Service"
      identifiers = ["budgets.amazonaws.com"]
    }
  }

  statement {
    sid       = "CloudWatchPublish"
    actions   = ["SNS:Publish"]
    resources = [aws_sns_topic.alerts.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.alerts.json
}
