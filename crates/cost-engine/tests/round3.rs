//! estimate-costs round 3 (issue 28): the defects found by running infracost's golden
//! cases, each on a self-written fixture. Prices are us-east-1 from the catalog.

use cost_engine::catalog::Catalog;
use cost_engine::date;
use cost_engine::engine::{self, Request, Source};
use cost_engine::estimate::Estimate;
use cost_engine::free_tier::Plan;
use cost_engine::hcl_loader::LoadOptions;
use cost_engine::usage::Usage;

fn estimate(body: &str) -> Estimate {
    estimate_with(body, None)
}

/// The estimate of a root module `body`, with a usage file's text when given.
fn estimate_with(body: &str, usage_file: Option<&str>) -> Estimate {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("main.tf"),
        format!("provider \"aws\" {{\n  region = \"us-east-1\"\n}}\n{body}"),
    )
    .expect("write");
    let catalog = Catalog::builtin();
    let usage = Usage::new(usage_file.map(|u| (u, "usage.toml"))).expect("usage");
    engine::estimate(&Request {
        source: Source::Dir(dir.path().to_path_buf(), LoadOptions::default()),
        catalog: &catalog,
        usage: &usage,
        region: None,
        fallback_region: "us-east-1".into(),
        plan: Plan::None,
        as_of: date::ymd(2026, 11, 27),
    })
    .expect("estimate")
}

/// Quantity of `price_id` on `address`.
fn quantity(e: &Estimate, address: &str, price_id: &str) -> f64 {
    e.lines
        .iter()
        .filter(|l| l.line.address == address && l.line.price_id == price_id)
        .map(|l| l.line.quantity)
        .sum()
}

fn monthly(e: &Estimate, address: &str) -> f64 {
    e.lines
        .iter()
        .filter(|l| l.line.address == address)
        .map(|l| l.line.monthly)
        .sum()
}

const TASK: &str = r#"
resource "aws_ecs_task_definition" "web" {
  family                   = "web"
  requires_compatibilities = ["FARGATE"]
  cpu                      = 1024
  memory                   = 2048
}
resource "aws_ecs_task_definition" "worker" {
  family = "worker"
  cpu    = 256
  memory = 512
}
"#;

/// Defect 1: no launch_type, no strategy and no cluster default: ECS launches it on
/// EC2, so it is not priced as Fargate, and the reason says so.
#[test]
fn a_service_without_launch_type_or_strategy_is_not_priced_as_fargate() {
    let e = estimate(&format!(
        "{TASK}\nresource \"aws_ecs_service\" \"web\" {{\n  task_definition = aws_ecs_task_definition.web.arn\n  desired_count = 1\n}}\n"
    ));
    assert!(!e.complete);
    assert_eq!(monthly(&e, "aws_ecs_service.web"), 0.0);
    let reason = &e.not_priced[0].reason;
    assert!(reason.contains("launches it on EC2"), "{reason}");
    // The cluster's default strategy (FARGATE) is what ECS uses: priced.
    let e = estimate(&format!(
        "{TASK}\nresource \"aws_ecs_cluster\" \"c\" {{\n  name = \"c\"\n}}\n\
         resource \"aws_ecs_cluster_capacity_providers\" \"c\" {{\n  cluster_name = aws_ecs_cluster.c.name\n  capacity_providers = [\"FARGATE\"]\n  default_capacity_provider_strategy {{\n    capacity_provider = \"FARGATE\"\n    weight = 1\n  }}\n}}\n\
         resource \"aws_ecs_service\" \"web\" {{\n  cluster = aws_ecs_cluster.c.id\n  task_definition = aws_ecs_task_definition.web.arn\n  desired_count = 1\n}}\n"
    ));
    assert!(
        monthly(&e, "aws_ecs_service.web") > 30.0,
        "{:?}",
        e.not_priced
    );
}

/// Defect 2: `task_definition = aws_ecs_task_definition.X.family` is followed (two
/// task definitions in the module, so "the only one" cannot answer).
#[test]
fn a_task_definition_named_by_its_family_attribute_is_followed() {
    let e = estimate(&format!(
        "{TASK}\nresource \"aws_ecs_service\" \"web\" {{\n  launch_type = \"FARGATE\"\n  task_definition = aws_ecs_task_definition.web.family\n  desired_count = 1\n}}\n"
    ));
    assert!(e.complete, "{:?}", e.not_priced);
    // 730 h x (1 vCPU x $0.04048 + 2 GB x $0.004445) = $36.04
    assert!((monthly(&e, "aws_ecs_service.web") - 36.04).abs() < 0.01);
}

/// Defect 3: an NLB mapped to Elastic IPs uses those addresses: they are priced once,
/// on the aws_eip, not again on the load balancer.
#[test]
fn an_nlb_on_elastic_ips_does_not_charge_them_twice() {
    let e = estimate(
        r#"
resource "aws_eip" "a" {
  domain = "vpc"
}
resource "aws_eip" "b" {
  domain = "vpc"
}
resource "aws_lb" "nlb" {
  load_balancer_type = "network"
  subnet_mapping {
    subnet_id     = "subnet-a"
    allocation_id = aws_eip.a.id
  }
  subnet_mapping {
    subnet_id     = "subnet-b"
    allocation_id = aws_eip.b.id
  }
}
"#,
    );
    assert_eq!(quantity(&e, "aws_lb.nlb", "vpc.public_ipv4.hour"), 0.0);
    assert_eq!(
        quantity(&e, "aws_eip.a", "vpc.public_ipv4.hour")
            + quantity(&e, "aws_eip.b", "vpc.public_ipv4.hour"),
        2.0 * 730.0
    );
    // Without Elastic IPs AWS assigns one address per AZ, billed on the NLB.
    let e = estimate(
        "resource \"aws_lb\" \"nlb\" {\n  load_balancer_type = \"network\"\n  subnets = [\"subnet-a\", \"subnet-b\"]\n}\n",
    );
    assert_eq!(
        quantity(&e, "aws_lb.nlb", "vpc.public_ipv4.hour"),
        2.0 * 730.0
    );
}

/// Defect 4: an Elastic IP association is free; it never makes an estimate incomplete.
#[test]
fn an_eip_association_is_free_and_keeps_the_estimate_complete() {
    let e = estimate(
        "resource \"aws_eip\" \"a\" {\n  domain = \"vpc\"\n}\n\
         resource \"aws_eip_association\" \"a\" {\n  allocation_id = aws_eip.a.id\n  network_interface_id = \"eni-1\"\n}\n",
    );
    assert!(e.complete, "{:?}", e.not_priced);
    assert_eq!(monthly(&e, "aws_eip_association.a"), 0.0);
}

/// Defects 5 and 6: a metric-math alarm bills its metrics, not its expression; an
/// anomaly-detection alarm bills three metrics; under a 60 s period, the
/// high-resolution price.
#[test]
fn alarms_bill_metrics_anomaly_bands_and_high_resolution_as_aws_does() {
    let e = estimate(
        r#"
resource "aws_cloudwatch_metric_alarm" "math" {
  alarm_name          = "errors-rate"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  threshold           = 5
  metric_query {
    id          = "rate"
    expression  = "100 * errors / requests"
    return_data = true
  }
  metric_query {
    id = "errors"
    metric {
      metric_name = "5XXError"
      namespace   = "AWS/ApiGateway"
      period      = 300
      stat        = "Sum"
    }
  }
  metric_query {
    id = "requests"
    metric {
      metric_name = "Count"
      namespace   = "AWS/ApiGateway"
      period      = 300
      stat        = "Sum"
    }
  }
}
resource "aws_cloudwatch_metric_alarm" "anomaly" {
  alarm_name          = "latency-anomaly"
  comparison_operator = "GreaterThanUpperThreshold"
  evaluation_periods  = 2
  threshold_metric_id = "band"
  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(m1)"
    return_data = true
  }
  metric_query {
    id = "m1"
    metric {
      metric_name = "Latency"
      namespace   = "AWS/ApiGateway"
      period      = 300
      stat        = "Average"
    }
    return_data = true
  }
}
resource "aws_cloudwatch_metric_alarm" "fast" {
  alarm_name          = "fast"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 1
  metric_name         = "CPUUtilization"
  namespace           = "AWS/ECS"
  period              = 10
  statistic           = "Average"
  threshold           = 90
}
"#,
    );
    assert_eq!(
        quantity(
            &e,
            "aws_cloudwatch_metric_alarm.math",
            "cloudwatch.alarm.month"
        ),
        2.0
    );
    assert_eq!(
        quantity(
            &e,
            "aws_cloudwatch_metric_alarm.anomaly",
            "cloudwatch.alarm.month"
        ),
        3.0
    );
    assert_eq!(
        quantity(
            &e,
            "aws_cloudwatch_metric_alarm.fast",
            "cloudwatch.alarm_high_resolution.month"
        ),
        1.0
    );
    assert_eq!(
        quantity(
            &e,
            "aws_cloudwatch_metric_alarm.fast",
            "cloudwatch.alarm.month"
        ),
        0.0
    );
}

/// Defect 7: Application Auto Scaling keeps a table at its min_capacity when that is
/// above the table's provisioned capacity.
#[test]
fn dynamodb_autoscaling_floor_above_the_table_is_what_is_billed() {
    let e = estimate(
        r#"
resource "aws_dynamodb_table" "t" {
  name           = "orders"
  billing_mode   = "PROVISIONED"
  read_capacity  = 5
  write_capacity = 5
  hash_key       = "id"
  attribute {
    name = "id"
    type = "S"
  }
}
resource "aws_appautoscaling_target" "reads" {
  service_namespace  = "dynamodb"
  scalable_dimension = "dynamodb:table:ReadCapacityUnits"
  resource_id        = "table/${aws_dynamodb_table.t.name}"
  min_capacity       = 40
  max_capacity       = 100
}
"#,
    );
    assert_eq!(
        quantity(&e, "aws_dynamodb_table.t", "dynamodb.provisioned.rcu_hour"),
        40.0 * 730.0
    );
    assert_eq!(
        quantity(&e, "aws_dynamodb_table.t", "dynamodb.provisioned.wcu_hour"),
        5.0 * 730.0
    );
    assert!(
        e.assumptions
            .iter()
            .any(|a| a.contains("min_capacity 40 is above read_capacity")),
        "{:?}",
        e.assumptions
    );
}

/// Defects 8-11: tiered prices are tiered in the arithmetic (HTTP API requests above
/// 300 million here), and the explanation shows each tier.
#[test]
fn http_api_requests_above_300_million_are_priced_at_the_lower_tier() {
    let e = estimate_with(
        "resource \"aws_apigatewayv2_api\" \"api\" {\n  name = \"a\"\n  protocol_type = \"HTTP\"\n}\n",
        Some("http_api_requests_million = 400\n"),
    );
    let line = e
        .lines
        .iter()
        .find(|l| l.line.price_id == "apigateway.http.million_requests")
        .expect("a requests line");
    // 300 M x $1.00 + 100 M x $0.90
    assert!((line.line.monthly - 390.0).abs() < 0.01, "{:?}", line.line);
    assert!(line.line.explain.contains(" + "), "{}", line.line.explain);
}
