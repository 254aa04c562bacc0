# Roles. Least privilege: every statement names resources by ARN pattern under
# this project's prefix, except the read-only Describe/List calls and the few
# write actions that AWS does not support resource-level permissions for.

# ---------- ECS task roles, per environment ----------

# Who may assume each kind of role: AWS services acting for this account only.
data "aws_iam_policy_document" "service_trust" {
  for_each = {
    ecs_tasks = "ecs-tasks.amazonaws.com"
    lambda    = "lambda.amazonaws.com"
  }

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [each.value]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "task_execution" {
  for_each = toset(var.environments)

  name               = "${var.project}-${each.key}-task-execution"
  description        = "ECS agent for ${each.key}: pull the image, write logs, read ${local.parameter_paths[each.key]}/* secrets"
  assume_role_policy = data.aws_iam_policy_document.service_trust["ecs_tasks"].json
}

data "aws_iam_policy_document" "task_execution" {
  for_each = toset(var.environments)

  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"] # no resource-level permissions exist for this call
    resources = ["*"]
  }

  statement {
    sid       = "EcrPull"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [module.ecr.repository_arn]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/ecs/${var.project}-${each.key}/*:*"]
  }

  statement {
    sid       = "Secrets"
    actions   = ["ssm:GetParameters"]
    resources = ["arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${local.parameter_paths[each.key]}/*"]
  }
}

resource "aws_iam_role_policy" "task_execution" {
  for_each = toset(var.environments)

  name   = "execution"
  role   = aws_iam_role.task_execution[each.key].id
  policy = data.aws_iam_policy_document.task_execution[each.key].json
}

resource "aws_iam_role" "task" {
  for_each = toset(var.environments)

  name               = "${var.project}-${each.key}-task"
  description        = "The application in ${each.key}: read its own configuration only"
  assume_role_policy = data.aws_iam_policy_document.service_trust["ecs_tasks"].json
}

data "aws_iam_policy_document" "task" {
  for_each = toset(var.environments)

  statement {
    sid       = "OwnConfig"
    actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"]
    resources = ["arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter${local.parameter_paths[each.key]}/*"]
  }
}

resource "aws_iam_role_policy" "task" {
  for_each = toset(var.environments)

  name   = "app"
  role   = aws_iam_role.task[each.key].id
  policy = data.aws_iam_policy_document.task[each.key].json
}

# ---------- Cost guard (spend cap) functions, per environment ----------
# terraform/modules/cost-guard: scales the environment's services to zero when its
# spend cap is crossed. Only its own environment, only the calls guard.py makes.

resource "aws_iam_role" "cost_guard" {
  for_each = toset(var.environments)

  name               = "${var.project}-${each.key}-cost-guard"
  description        = "Spend cap of ${each.key}: scale its ECS services to zero, throttle its HTTP API, record what to restore"
  assume_role_policy = data.aws_iam_policy_document.service_trust["lambda"].json
}

data "aws_iam_policy_document" "cost_guard" {
  for_each = toset(var.environments)

  statement {
    sid       = "StopServices"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = ["arn:${local.partition}:ecs:${var.region}:${local.account_id}:service/${var.project}-${each.key}/*"]
  }

  statement {
    sid       = "DescribeScaling" # Describe calls have no resource-level permissions
    actions   = ["application-autoscaling:DescribeScalableTargets"]
    resources = ["*"]
  }

  # Scalable targets have random IDs in their ARNs: the region's targets. guard.py names
  # only its own environment's services.
  statement {
    sid       = "SuspendSchedule"
    actions   = ["application-autoscaling:RegisterScalableTarget"]
    resources = ["arn:${local.partition}:application-autoscaling:${var.region}:${local.account_id}:scalable-target/*"]
  }

  statement {
    sid       = "ThrottleApi"
    actions   = ["apigateway:GET", "apigateway:PATCH"]
    resources = ["arn:${local.partition}:apigateway:${var.region}::/apis/*/stages/*"]
  }

  statement {
    sid       = "State"
    actions   = ["ssm:GetParameter", "ssm:PutParameter"]
    resources = ["arn:${local.partition}:ssm:${var.region}:${local.account_id}:parameter/${var.project}-${each.key}/cost-guard/*"]
  }

  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/aws/lambda/${var.project}-${each.key}-cost-guard:*"]
  }
}

resource "aws_iam_role_policy" "cost_guard" {
  for_each = toset(var.environments)

  name   = "cost-guard"
  role   = aws_iam_role.cost_guard[each.key].id
  policy = data.aws_iam_policy_document.cost_guard[each.key].json
}

# ---------- GitHub Actions (OIDC) ----------

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "github_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }

    # Only this repository's deploy branch, or a job of its GitHub environments (limit
    # each environment to the deploy branch in Settings > Environments): not forks, not
    # pull requests.
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = concat([local.github_sub], local.github_environment_subs)
    }
  }
}

resource "aws_iam_role" "github_deploy" {
  name                 = "${var.project}-github-deploy"
  description          = "Assumed by GitHub Actions on ${var.github_repository}@${var.github_branch} to plan and apply the environments"
  assume_role_policy   = data.aws_iam_policy_document.github_trust.json
  max_session_duration = 3600
}

locals {
  arn_prefix = {
    ec2   = "arn:${local.partition}:ec2:${var.region}:${local.account_id}"
    elb   = "arn:${local.partition}:elasticloadbalancing:${var.region}:${local.account_id}"
    ecs   = "arn:${local.partition}:ecs:${var.region}:${local.account_id}"
    logs  = "arn:${local.partition}:logs:${var.region}:${local.account_id}"
    ssm   = "arn:${local.partition}:ssm:${var.region}:${local.account_id}"
    cw    = "arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}"
    sns   = "arn:${local.partition}:sns:${var.region}:${local.account_id}"
    rds   = "arn:${local.partition}:rds:${var.region}:${local.account_id}"
    ddb   = "arn:${local.partition}:dynamodb:${var.region}:${local.account_id}"
    aas   = "arn:${local.partition}:application-autoscaling:${var.region}:${local.account_id}"
    bgt   = "arn:${local.partition}:budgets::${local.account_id}"
    iam   = "arn:${local.partition}:iam::${local.account_id}"
    state = aws_s3_bucket.state.arn
  }
}

data "aws_iam_policy_document" "github_deploy" {
  # checkov:skip=CKV_AWS_111: the unconstrained writes are Cloud Map's CreatePrivateDnsNamespace and the private hosted zone it creates (route53:CreateHostedZone), which have no resource-level permissions, and ecs:RegisterTaskDefinition/DeregisterTaskDefinition
  # checkov:skip=CKV_AWS_356: resource "*" appears only with read-only Describe/List/Get calls (plan must read resources before they exist under a known ARN) and actions without resource-level permissions; every write is scoped to this project's ARNs
  statement {
    sid       = "State"
    actions   = ["s3:ListBucket"]
    resources = [local.arn_prefix.state]
  }

  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] # DeleteObject releases the S3 lock file
    resources = ["${local.arn_prefix.state}/*"]
  }

  statement {
    sid = "ReadOnlyDescribe" # Describe/List/Get calls do not support resource-level permissions
    actions = [
      "ec2:Describe*",
      "elasticloadbalancing:Describe*",
      "ecs:Describe*",
      "ecs:List*",
      "logs:Describe*",
      "logs:ListTagsForResource",
      "logs:ListTagsLogGroup",
      "cloudwatch:DescribeAlarms",
      "cloudwatch:ListTagsForResource",
      "application-autoscaling:Describe*",
      "application-autoscaling:ListTagsForResource",
      "rds:Describe*",
      "rds:ListTagsForResource",
      "dynamodb:Describe*",
      "dynamodb:ListTagsOfResource",
      "ssm:DescribeParameters",
      "sns:GetTopicAttributes",
      "sns:ListTagsForResource",
      "sns:GetSubscriptionAttributes",
      "budgets:ViewBudget",
      "budgets:ListTagsForResource",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "sts:GetCallerIdentity",
    ]
    resources = ["*"]
  }

  statement {
    sid = "Network"
    actions = [
      "ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute",
      "ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
      "ec2:CreateInternetGateway", "ec2:DeleteInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
      "ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:CreateRoute", "ec2:DeleteRoute",
      "ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
      "ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
      "ec2:AuthorizeSecurityGroupIngress", "ec2:AuthorizeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
      "ec2:ModifySecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
      "ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint",
      "ec2:CreateTags", "ec2:DeleteTags",
    ]
    resources = ["${local.arn_prefix.ec2}:*"]
  }

  statement {
    sid = "LoadBalancer"
    actions = [
      "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer",
      "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
      "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup",
      "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
      "elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
    ]
    resources = [
      "${local.arn_prefix.elb}:loadbalancer/app/${var.project}-*",
      "${local.arn_prefix.elb}:targetgroup/${var.project}-*",
      "${local.arn_prefix.elb}:listener/app/${var.project}-*",
    ]
  }

  statement {
    sid = "Ecs"
    actions = [
      "ecs:CreateCluster", "ecs:DeleteCluster", "ecs:UpdateClusterSettings", "ecs:PutClusterCapacityProviders",
      "ecs:CreateService", "ecs:UpdateService", "ecs:DeleteService",
      "ecs:TagResource", "ecs:UntagResource",
    ]
    resources = [
      "${local.arn_prefix.ecs}:cluster/${var.project}-*",
      "${local.arn_prefix.ecs}:service/${var.project}-*/*",
      "${local.arn_prefix.ecs}:task-definition/${var.project}-*:*",
    ]
  }

  statement {
    sid = "Images" # push-to-ecr and the data source of the environments
    actions = [
      "ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
      "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage",
      "ecr:ListTagsForResource",
    ]
    resources = [module.ecr.repository_arn]
  }

  statement {
    sid       = "EcrAuth" # GetAuthorizationToken has no resource-level permissions
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "EcsTaskDefinitions" # RegisterTaskDefinition/DeregisterTaskDefinition have no resource-level permissions
    actions   = ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "PassTaskRoles"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_prefix.iam}:role/${var.project}-*-task", "${local.arn_prefix.iam}:role/${var.project}-*-task-execution"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid = "LogsAlarmsTopics"
    actions = [
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:UntagResource", "logs:TagLogGroup",
      "cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource",
      "sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe", "sns:Unsubscribe", "sns:TagResource",
    ]
    resources = [
      "${local.arn_prefix.logs}:log-group:/ecs/${var.project}-*",
      "${local.arn_prefix.logs}:log-group:/ecs/${var.project}-*:*",
      "${local.arn_prefix.cw}:alarm:${var.project}-*",
      "${local.arn_prefix.sns}:${var.project}-*",
    ]
  }

  statement {
    sid = "Scaling"
    actions = [
      "application-autoscaling:RegisterScalableTarget", "application-autoscaling:DeregisterScalableTarget",
      "application-autoscaling:PutScheduledAction", "application-autoscaling:DeleteScheduledAction",
      "application-autoscaling:TagResource",
    ]
    resources = ["${local.arn_prefix.aas}:scalable-target/*"]
  }

  statement {
    sid       = "Budgets"
    actions   = ["budgets:ModifyBudget", "budgets:TagResource"]
    resources = ["${local.arn_prefix.bgt}:budget/${var.project}-*"]
  }

  statement {
    sid = "Database"
    actions = [
      "rds:CreateDBInstance", "rds:ModifyDBInstance", "rds:DeleteDBInstance",
      "rds:CreateDBSubnetGroup", "rds:ModifyDBSubnetGroup", "rds:DeleteDBSubnetGroup",
      "rds:CreateDBParameterGroup", "rds:ModifyDBParameterGroup", "rds:DeleteDBParameterGroup",
      "rds:AddTagsToResource", "rds:RemoveTagsFromResource",
      "dynamodb:CreateTable", "dynamodb:UpdateTable", "dynamodb:DeleteTable",
      "dynamodb:UpdateContinuousBackups", "dynamodb:TagResource", "dynamodb:UntagResource",
    ]
    resources = [
      "${local.arn_prefix.rds}:db:${var.project}-*",
      "${local.arn_prefix.rds}:subgrp:${var.project}-*",
      "${local.arn_prefix.rds}:pg:${var.project}-*",
      "${local.arn_prefix.ddb}:table/${var.project}-*",
    ]
  }

  statement {
    sid = "Tls" # free ACM certificates validated in Route 53, when an environment sets domain_name
    actions = [
      "acm:RequestCertificate", "acm:DescribeCertificate", "acm:DeleteCertificate",
      "acm:AddTagsToCertificate", "acm:ListTagsForCertificate",
      "route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:GetHostedZone", "route53:GetChange",
    ]
    resources = [
      "arn:${local.partition}:acm:${var.region}:${local.account_id}:certificate/*",
      "arn:${local.partition}:route53:::hostedzone/*",
      "arn:${local.partition}:route53:::change/*",
    ]
  }

  statement {
    sid = "HttpApi" # the default ingress: HTTP API, VPC link, stage, custom domain (API Gateway authorizes by method on resource paths)
    actions = [
      "apigateway:GET", "apigateway:POST", "apigateway:PATCH", "apigateway:PUT", "apigateway:DELETE", "apigateway:TagResource",
    ]
    resources = [
      "arn:${local.partition}:apigateway:${var.region}::/apis",
      "arn:${local.partition}:apigateway:${var.region}::/apis/*",
      "arn:${local.partition}:apigateway:${var.region}::/vpclinks",
      "arn:${local.partition}:apigateway:${var.region}::/vpclinks/*",
      "arn:${local.partition}:apigateway:${var.region}::/domainnames",
      "arn:${local.partition}:apigateway:${var.region}::/domainnames/*",
      "arn:${local.partition}:apigateway:${var.region}::/tags/*",
    ]
  }

  statement {
    sid = "ServiceDiscovery" # Cloud Map namespace creation has no resource-level permissions; it creates a private hosted zone
    actions = [
      "servicediscovery:CreatePrivateDnsNamespace", "servicediscovery:GetOperation",
      "servicediscovery:GetNamespace", "servicediscovery:DeleteNamespace",
      "servicediscovery:CreateService", "servicediscovery:GetService", "servicediscovery:UpdateService", "servicediscovery:DeleteService",
      "servicediscovery:TagResource", "servicediscovery:UntagResource", "servicediscovery:ListTagsForResource",
      "route53:CreateHostedZone", "route53:DeleteHostedZone", "ec2:DescribeVpcs",
    ]
    resources = ["*"]
  }

  statement {
    sid = "CostGuard" # terraform/modules/cost-guard: the spend cap's function
    actions = [
      "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
      "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:ListVersionsByFunction",
      "lambda:GetFunctionCodeSigningConfig", "lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy",
      "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags",
      "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:TagResource", "logs:TagLogGroup",
    ]
    resources = [
      "arn:${local.partition}:lambda:${var.region}:${local.account_id}:function:${var.project}-*-cost-guard",
      "${local.arn_prefix.logs}:log-group:/aws/lambda/${var.project}-*",
      "${local.arn_prefix.logs}:log-group:/aws/lambda/${var.project}-*:*",
    ]
  }

  statement {
    sid       = "PassCostGuardRoles"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_prefix.iam}:role/${var.project}-*-cost-guard"]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }

  statement {
    sid       = "SpendCapRecords" # deploy refuses to apply over a stopped environment; --destroy removes the record
    actions   = ["ssm:GetParameter", "ssm:DeleteParameter"]
    resources = ["${local.arn_prefix.ssm}:parameter/${var.project}-*/cost-guard/*"]
  }

  statement {
    sid       = "ReadEnvironmentParameters" # the RDS module reads the master password parameter
    actions   = ["ssm:GetParameter", "ssm:GetParameters"]
    resources = ["${local.arn_prefix.ssm}:parameter${var.parameter_path_prefix}/*"]
  }
}

resource "aws_iam_role_policy" "github_deploy" {
  # checkov:skip=CKV_AWS_290: the only unconstrained write actions are ecs:RegisterTaskDefinition/DeregisterTaskDefinition, which have no resource-level permissions
  # checkov:skip=CKV_AWS_355: same: resource "*" is used only for actions that do not support resource-level permissions
  name   = "deploy"
  role   = aws_iam_role.github_deploy.id
  policy = data.aws_iam_policy_document.github_deploy.json
}
