# The spend cap: AWS Budgets -> SNS -> a small Lambda function (guard.py, shipped in
# guard.zip) that scales the environment's services to zero, suspends their schedule and
# throttles the HTTP API. Why this mechanism and what it leaves billing:
# docs/decisions/0009-spend-cap.md. Costs $0 while nothing trips (a budget without
# actions, an SNS topic, an idle function); a trip is one invocation.

locals {
  function_name   = "${var.name}-cost-guard"
  state_parameter = "/${var.name}/cost-guard/state"
}

resource "aws_sns_topic" "guard" {
  # checkov:skip=CKV_AWS_26: AWS Budgets cannot publish to a topic encrypted with the AWS-managed aws/sns key, and a customer-managed key costs $1/month (same trade-off as the monitoring topic)
  name = "${var.name}-cost-guard"
  tags = var.tags
}

# Only AWS Budgets of this account may publish: any message on the topic stops the
# environment.
data "aws_iam_policy_document" "guard_topic" {
  statement {
    sid       = "BudgetsPublish"
    actions   = ["SNS:Publish"]
    resources = [aws_sns_topic.guard.arn]

    principals {
      type        = "Service"
      identifiers = ["budgets.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_caller_identity" "current" {}

resource "aws_sns_topic_policy" "guard" {
  arn    = aws_sns_topic.guard.arn
  policy = data.aws_iam_policy_document.guard_topic.json
}

# A budget of its own (budgets without actions are free): the alert budget of the
# monitoring module mails at 80 %; this one stops at 100 % of the cap. The whole
# account's spend, before credits: a cost-allocation tag filter matches nothing until
# the tag is activated in Billing, and credits would hide a runaway until they run out.
resource "aws_budgets_budget" "cap" {
  name         = "${var.name}-cost-guard"
  budget_type  = "COST"
  limit_amount = format("%.2f", var.cap_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  cost_types {
    include_credit = false
    include_refund = false
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 100
    threshold_type            = "PERCENTAGE"
    notification_type         = var.cap_on
    subscriber_sns_topic_arns = compact([aws_sns_topic.guard.arn, var.alerts_topic_arn])
  }

  tags = var.tags

  depends_on = [aws_sns_topic_policy.guard]
}

resource "aws_cloudwatch_log_group" "guard" {
  # checkov:skip=CKV_AWS_158: a KMS key costs $1/month; the guard logs only what it stopped
  # checkov:skip=CKV_AWS_338: retention of 7 days keeps the free 5 GB of logs for the app (stack rule: at most 7 days)
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = 7
  tags              = var.tags
}

resource "aws_lambda_function" "guard" {
  # checkov:skip=CKV_AWS_115: new accounts have a concurrency quota of 10, all of which must stay unreserved, so reserving any fails the apply; the function runs once per budget notification
  # checkov:skip=CKV_AWS_50: X-Ray tracing bills traces past the free 100k; the function makes four API calls once a month at most
  # checkov:skip=CKV_AWS_116: SNS invokes it asynchronously and Lambda retries a failed asynchronous invocation twice; a dead-letter queue would be one more resource to watch for a once-a-month event
  # checkov:skip=CKV_AWS_117: outside a VPC on purpose: inside one it would need a NAT gateway or interface endpoints ($7+/month each) to reach the AWS APIs
  # checkov:skip=CKV_AWS_173: the environment holds names (cluster, services, parameter), no secrets; a customer-managed key costs $1/month
  # checkov:skip=CKV_AWS_272: code signing needs AWS Signer profiles; the code is the reviewed guard.py of this repository, checked byte for byte against guard.zip by a test
  function_name    = local.function_name
  description      = "Spend cap of ${var.name}: scales its services to zero when the ${var.name}-cost-guard budget is crossed"
  role             = var.role_arn
  runtime          = "python3.12"
  handler          = "guard.handler"
  filename         = "${path.module}/guard.zip"
  source_code_hash = filebase64sha256("${path.module}/guard.zip")
  architectures    = ["arm64"]
  memory_size      = 128
  timeout          = 60

  environment {
    variables = {
      GUARD_REGION    = var.region
      CLUSTER         = var.cluster_name
      SERVICES        = join(",", var.service_names)
      HTTP_API_ID     = var.http_api_id == null ? "" : var.http_api_id
      HTTP_API_STAGE  = "$default"
      STATE_PARAMETER = local.state_parameter
      CAP_USD         = format("%.2f", var.cap_usd)
    }
  }

  tags       = var.tags
  depends_on = [aws_cloudwatch_log_group.guard]
}

resource "aws_lambda_permission" "sns" {
  statement_id  = "AllowGuardTopic"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.guard.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.guard.arn
}

resource "aws_sns_topic_subscription" "guard" {
  topic_arn = aws_sns_topic.guard.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.guard.arn

  depends_on = [aws_lambda_permission.sns]
}
