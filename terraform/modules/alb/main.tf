# Internet-facing ALB: $0.0225/h ($16.43/month) + LCUs + one public IPv4 per AZ
# ($3.65/month each). Nothing of it is in the Free Tier any more.

locals {
  managed_cert    = var.certificate_arn == null && var.domain_name != null
  https           = var.certificate_arn != null || local.managed_cert
  certificate_arn = local.managed_cert ? module.certificate[0].certificate_arn : var.certificate_arn
}

# A free public ACM certificate for domain_name, validated by DNS in Route 53.
module "certificate" {
  source = "../acm-certificate"
  count  = local.managed_cert ? 1 : 0

  domain_name     = var.domain_name
  route53_zone_id = var.route53_zone_id
  tags            = var.tags
}

moved {
  from = aws_acm_certificate.this[0]
  to   = module.certificate[0].aws_acm_certificate.this
}

moved {
  from = aws_route53_record.validation
  to   = module.certificate[0].aws_route53_record.validation
}

moved {
  from = aws_acm_certificate_validation.this[0]
  to   = module.certificate[0].aws_acm_certificate_validation.this
}

resource "aws_route53_record" "app" {
  count = local.managed_cert ? 1 : 0

  zone_id = var.route53_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "ALB: HTTP/HTTPS in, container port out to the VPC"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  # checkov:skip=CKV_AWS_260: port 80 is open only to redirect to HTTPS (or to serve dev without a domain)
  for_each = toset(var.ingress_cidr_blocks)

  security_group_id = aws_security_group.alb.id
  description       = local.https ? "HTTP, redirected to HTTPS" : "HTTP (no certificate configured)"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  for_each = local.https ? toset(var.ingress_cidr_blocks) : toset([])

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "to_tasks" {
  security_group_id = aws_security_group.alb.id
  description       = "To the tasks' container port inside the VPC"
  ip_protocol       = "tcp"
  from_port         = var.container_port
  to_port           = var.container_port
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

resource "aws_lb" "this" {
  # checkov:skip=CKV_AWS_91: access logs cost S3 storage and requests; enable when debugging traffic
  # checkov:skip=CKV2_AWS_28: AWS WAF costs $5/month per web ACL + $1 per rule; out of scope for a dev stack
  # checkov:skip=CKV_AWS_150: deletion protection is a variable, off in dev so clean-up and destroy work
  name                       = "${var.name}-alb"
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.subnet_ids
  enable_deletion_protection = var.deletion_protection
  drop_invalid_header_fields = true
  idle_timeout               = var.idle_timeout

  tags = merge(var.tags, { Name = "${var.name}-alb" })
}

resource "aws_lb_target_group" "app" {
  # checkov:skip=CKV_AWS_378: TLS terminates at the ALB; ALB-to-task traffic stays inside the VPC, and re-encrypting it would need certificates in every container
  name                 = "${var.name}-tg"
  port                 = var.container_port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 15

  health_check {
    enabled             = true
    path                = var.health_check_path
    matcher             = "200"
    interval            = 30
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, { Name = "${var.name}-tg" })
}

resource "aws_lb_listener" "https" {
  count = local.https ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = local.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_listener" "http" {
  # checkov:skip=CKV_AWS_2: plain HTTP is served only when no certificate is given (dev without a domain); with one it redirects
  # checkov:skip=CKV_AWS_103: same listener; TLS policy applies to the HTTPS listener
  # checkov:skip=CKV2_AWS_20: redirect to HTTPS is configured whenever a certificate exists
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = local.https ? "redirect" : "forward"
    target_group_arn = local.https ? null : aws_lb_target_group.app.arn

    dynamic "redirect" {
      for_each = local.https ? [1] : []
      content {
        port        = "443"
        protocol    = "HTTPS"
        status_code = "HTTP_301"
      }
    }
  }
}
