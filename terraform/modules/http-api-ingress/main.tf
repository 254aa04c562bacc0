# Ingress for a few dollars a month: an API Gateway HTTP API with a private integration
# through a VPC link to the Cloud Map service the ECS tasks register in (SRV records).
# No hourly charge (an ALB bills 24x7): requests ($1.00/million), Cloud Map instances
# ($0.10 each per month) and the namespace's private hosted zone ($0.50/month).
# Limits and the choice against the ALB: docs/decisions/0006-http-api-ingress.md.

data "aws_vpc" "this" {
  id = var.vpc_id
}

resource "aws_security_group" "vpc_link" {
  name        = "${var.name}-vpc-link"
  description = "VPC link of ${var.name}: to the tasks' container port only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-vpc-link" })
}

resource "aws_vpc_security_group_egress_rule" "to_tasks" {
  security_group_id = aws_security_group.vpc_link.id
  description       = "Container port of the tasks in the VPC"
  ip_protocol       = "tcp"
  from_port         = var.container_port
  to_port           = var.container_port
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

resource "aws_apigatewayv2_vpc_link" "this" {
  name               = var.name
  subnet_ids         = var.subnet_ids
  security_group_ids = [aws_security_group.vpc_link.id]
  tags               = var.tags
}

resource "aws_service_discovery_private_dns_namespace" "this" {
  name        = coalesce(var.namespace_name, "${var.name}.internal")
  description = "Tasks of ${var.name}, found by API Gateway through Cloud Map"
  vpc         = var.vpc_id
  tags        = var.tags
}

resource "aws_service_discovery_service" "app" {
  name = "app"

  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.this.id
    routing_policy = "MULTIVALUE"

    # The HTTP API integration needs SRV records (address and port) from ECS.
    dns_records {
      ttl  = 10
      type = "SRV"
    }
  }

  # ECS reports task health to Cloud Map: unhealthy tasks stop receiving traffic.
  health_check_custom_config {}

  tags = var.tags
}

resource "aws_apigatewayv2_api" "this" {
  name          = var.name
  protocol_type = "HTTP"
  description   = "Ingress of ${var.name}"
  tags          = var.tags
}

resource "aws_apigatewayv2_integration" "app" {
  api_id             = aws_apigatewayv2_api.this.id
  integration_type   = "HTTP_PROXY"
  integration_method = "ANY"
  integration_uri    = aws_service_discovery_service.app.arn
  connection_type    = "VPC_LINK"
  connection_id      = aws_apigatewayv2_vpc_link.this.id
  # API Gateway's hard limit for HTTP APIs; a slower answer is a 503 to the client.
  timeout_milliseconds = 30000
}

resource "aws_apigatewayv2_route" "default" {
  # checkov:skip=CKV_AWS_309: a public web app; authentication is the app's (an authorizer costs per request and needs an identity provider)
  api_id    = aws_apigatewayv2_api.this.id
  route_key = "$default"
  target    = "integrations/${aws_apigatewayv2_integration.app.id}"
}

resource "aws_apigatewayv2_stage" "default" {
  # checkov:skip=CKV_AWS_76: access logs cost $0.50/GB ingested past the 5 GB free tier; the app logs every request itself
  # `$default`: a named stage would be prepended to every path the app sees.
  api_id      = aws_apigatewayv2_api.this.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
  }

  tags = var.tags
}

# A custom domain: a free ACM certificate, a regional API Gateway domain and an alias.
module "certificate" {
  source = "../acm-certificate"
  count  = var.domain_name == null ? 0 : 1

  domain_name     = var.domain_name
  route53_zone_id = var.route53_zone_id
  tags            = var.tags
}

resource "aws_apigatewayv2_domain_name" "this" {
  count = var.domain_name == null ? 0 : 1

  domain_name = var.domain_name
  tags        = var.tags

  domain_name_configuration {
    certificate_arn = module.certificate[0].certificate_arn
    endpoint_type   = "REGIONAL"
    security_policy = "TLS_1_2"
  }
}

resource "aws_apigatewayv2_api_mapping" "this" {
  count = var.domain_name == null ? 0 : 1

  api_id      = aws_apigatewayv2_api.this.id
  domain_name = aws_apigatewayv2_domain_name.this[0].id
  stage       = aws_apigatewayv2_stage.default.id
}

resource "aws_route53_record" "app" {
  count = var.domain_name == null ? 0 : 1

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].target_domain_name
    zone_id                = aws_apigatewayv2_domain_name.this[0].domain_name_configuration[0].hosted_zone_id
    evaluate_target_health = false
  }
}
