//! Never a silent $0, never a silent default, never a panic: what the estimator
//! cannot read or price is said, and invalid input is an error as in Terraform.

use cost_engine::catalog::Catalog;
use cost_engine::date;
use cost_engine::engine::{self, EngineError, Request, Source};
use cost_engine::estimate::Estimate;
use cost_engine::free_tier::Plan;
use cost_engine::hcl_loader::LoadOptions;
use cost_engine::usage::Usage;
use std::path::Path;

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn run(dir: &Path, opts: LoadOptions) -> Result<Estimate, EngineError> {
    let catalog = Catalog::builtin();
    let usage = Usage::new(None).expect("usage");
    engine::estimate(&Request {
        source: Source::Dir(dir.to_path_buf(), opts),
        catalog: &catalog,
        usage: &usage,
        region: None,
        fallback_region: "us-east-1".into(),
        plan: Plan::None,
        as_of: date::ymd(2026, 11, 27),
    })
}

/// A root module with one main.tf (provider region us-east-1 first).
fn root(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "main.tf",
        &format!("provider \"aws\" {{\n  region = \"us-east-1\"\n}}\n{body}"),
    );
    dir
}

fn error_of(body: &str) -> String {
    run(root(body).path(), LoadOptions::default())
        .expect_err(body)
        .to_string()
}

const NAT: &str = r#"
resource "aws_nat_gateway" "this" {
  subnet_id = "subnet-1"
}
"#;

const REGISTRY_CALL: &str = r#"
module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.8.1"
  name    = "x"
}
"#;

#[test]
fn a_registry_module_not_downloaded_makes_the_estimate_incomplete_never_zero() {
    let dir = root(REGISTRY_CALL);
    let e = run(dir.path(), LoadOptions::default()).expect("estimate");
    assert!(!e.complete);
    assert_eq!(e.total_net, 0.0);
    let n = &e.not_priced[0];
    assert_eq!(
        (n.address.as_str(), n.rtype.as_str()),
        ("module.vpc", "module")
    );
    assert!(n.reason.contains("terraform init"), "{}", n.reason);
    assert!(n.reason.contains("terraform-aws-modules/vpc/aws"));
}

#[test]
fn a_downloaded_registry_module_is_read_from_the_modules_manifest() {
    let dir = root(REGISTRY_CALL);
    write(
        dir.path(),
        ".terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"vpc","Source":"registry.terraform.io/terraform-aws-modules/vpc/aws","Version":"5.8.1","Dir":".terraform/modules/vpc"}]}"#,
    );
    write(
        dir.path(),
        ".terraform/modules/vpc/main.tf",
        &format!("variable \"name\" {{\n  type = string\n}}\n{NAT}"),
    );
    let e = run(dir.path(), LoadOptions::default()).expect("estimate");
    assert!(e.complete, "{:?}", e.not_priced);
    // NAT hours 32.85 + its IPv4 3.65 + 5 GB processed 0.225 + 5 GB egress 0.45.
    let nat: f64 = e
        .lines
        .iter()
        .filter(|l| l.line.address == "module.vpc.aws_nat_gateway.this")
        .map(|l| l.line.monthly)
        .sum();
    assert!(nat > 36.4, "{nat}");
}

#[test]
fn a_broken_modules_manifest_is_an_error_not_a_guess() {
    let dir = root(REGISTRY_CALL);
    write(
        dir.path(),
        ".terraform/modules/modules.json",
        "{\"Modules\": 7}",
    );
    let err = run(dir.path(), LoadOptions::default()).expect_err("bad manifest");
    assert!(err.to_string().contains("modules.json"), "{err}");
}

#[test]
fn unknown_task_size_is_an_assumption_naming_resource_and_attribute() {
    let dir = root(
        r#"
variable "cpu" {
  type = number
}
resource "aws_ecs_task_definition" "t" {
  family = "t"
  cpu    = var.cpu
  memory = 2048
}
resource "aws_ecs_service" "s" {
  launch_type     = "FARGATE"
  name            = "s"
  task_definition = aws_ecs_task_definition.t.arn
  desired_count   = 1
}
"#,
    );
    let e = run(dir.path(), LoadOptions::default()).expect("estimate");
    assert!(
        e.assumptions
            .iter()
            .any(|a| a.contains("aws_ecs_task_definition.t: cpu = var.cpu is not known statically")),
        "{:#?}",
        e.assumptions
    );
    // Given, the size is priced exactly: 4 vCPU / 16 GB on x86, 24x7:
    // 4 x 730 h x $0.04048 = $118.20 + 16 x 730 h x $0.004445 = $51.92.
    let opts = LoadOptions {
        vars: vec!["cpu=4096".into()],
        var_files: Vec::new(),
    };
    std::fs::write(
        dir.path().join("main.tf"),
        std::fs::read_to_string(dir.path().join("main.tf"))
            .expect("read")
            .replace("memory = 2048", "memory = \"16 GB\""),
    )
    .expect("write");
    let e = run(dir.path(), opts).expect("estimate");
    assert!((e.total_net - 170.12).abs() < 0.01, "{}", e.total_net);
}

#[test]
fn an_unknown_endpoint_type_is_priced_as_the_paying_kind() {
    let e = run(
        root(
            r#"
variable "kind" {
  type = string
}
resource "aws_vpc_endpoint" "ecr" {
  vpc_id            = "vpc-1"
  service_name      = "com.amazonaws.us-east-1.ecr.api"
  vpc_endpoint_type = var.kind
  subnet_ids        = ["a", "b", "c"]
}
"#,
        )
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!(
        e.total_net > 21.0,
        "3 AZ x 730 h x $0.01 = $21.90: {}",
        e.total_net
    );
    assert!(
        e.assumptions
            .iter()
            .any(|a| a.contains("priced as Interface"))
    );
}

#[test]
fn invalid_counts_are_errors_like_terraforms() {
    for (count, problem) in [
        ("-1", "must not be negative"),
        ("2.5", "must be a whole number"),
        ("\"three\"", "is not a number"),
        ("null", "must not be null"),
        ("1e18", "more instances than any AWS account"),
    ] {
        let err = error_of(&format!(
            "resource \"aws_eip\" \"x\" {{\n  count = {count}\n}}\n"
        ));
        assert!(err.contains(problem), "count = {count}: {err}");
        assert!(err.contains("aws_eip.x"), "{err}");
    }
    // A numeric string is a number, as in Terraform.
    let e = run(
        root("resource \"aws_eip\" \"x\" {\n  count = \"2\"\n}\n").path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert_eq!(e.lines.len(), 2);
}

#[test]
fn undeclared_references_and_local_cycles_are_errors() {
    let err = error_of("resource \"aws_eip\" \"x\" {\n  count = var.nope\n}\n");
    assert!(
        err.contains("undeclared input variable \"var.nope\""),
        "{err}"
    );
    let err = error_of("resource \"aws_eip\" \"x\" {\n  tags = { a = local.nope }\n}\n");
    assert!(
        err.contains("undeclared local value \"local.nope\""),
        "{err}"
    );
    let err = error_of("locals {\n  a = local.b\n  b = local.a\n}\n");
    assert!(err.contains("cycle") && err.contains("local.a"), "{err}");
    // "var.x" in literal text is not a reference.
    run(
        root("resource \"aws_eip\" \"x\" {\n  tags = { note = \"set var.x later\" }\n}\n").path(),
        LoadOptions::default(),
    )
    .expect("literal text");
}

#[test]
fn invalid_values_are_errors_never_negative_dollars() {
    for (attr, value, problem) in [
        ("desired_count", "-3", "must not be negative"),
        ("desired_count", "1.5", "must be a whole number"),
    ] {
        let err = error_of(&format!(
            r#"
resource "aws_ecs_task_definition" "t" {{
  family = "t"
  cpu    = 256
  memory = 512
}}
resource "aws_ecs_service" "s" {{
  launch_type     = "FARGATE"
  name            = "s"
  task_definition = aws_ecs_task_definition.t.arn
  {attr} = {value}
}}
"#
        ));
        assert!(err.contains(problem) && err.contains(attr), "{err}");
    }
    for cpu in ["\"NaN\"", "-256", "0", "\"lots\""] {
        let err = error_of(&format!(
            r#"
resource "aws_ecs_task_definition" "t" {{
  family = "t"
  cpu    = {cpu}
  memory = 512
}}
resource "aws_ecs_service" "s" {{
  launch_type     = "FARGATE"
  name            = "s"
  task_definition = aws_ecs_task_definition.t.arn
  desired_count   = 1
}}
"#
        ));
        assert!(
            err.contains("aws_ecs_task_definition.t: cpu"),
            "{cpu}: {err}"
        );
    }
}

#[test]
fn typed_var_flags_are_checked() {
    let dir = root("variable \"task_cpu\" {\n  type = number\n  default = 256\n}\n");
    let opts = LoadOptions {
        vars: vec!["task_cpu=abc".into()],
        var_files: Vec::new(),
    };
    let err = run(dir.path(), opts).expect_err("abc is not a number");
    assert!(err.to_string().contains("of type number"), "{err}");
}

#[test]
fn identical_instances_are_priced_arithmetically_at_any_count() {
    let e = run(
        root("resource \"aws_eip\" \"x\" {\n  count = 20000\n}\n").path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert_eq!(e.lines.len(), 1, "one line, not 20000");
    assert!(
        (e.total_net - 20000.0 * 3.65).abs() < 0.01,
        "{}",
        e.total_net
    );
    assert!(e.lines[0].line.explain.contains("x 20000 instances"));

    // Distinct instances (count.index) are evaluated one by one up to a bound,
    // beyond it they are not priced, and the estimate says so.
    let e = run(
        root("resource \"aws_eip\" \"x\" {\n  count = 200\n  tags = { n = count.index }\n}\n")
            .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert_eq!(e.lines.len(), 200);
    let e = run(
        root("resource \"aws_eip\" \"x\" {\n  count = 50000\n  tags = { n = count.index }\n}\n")
            .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!(!e.complete && e.lines.is_empty());
}

#[test]
fn only_locals_is_a_valid_empty_stack_and_sums_are_never_negative_zero() {
    let dir = tempfile::tempdir().expect("tmp");
    write(dir.path(), "locals.tf", "locals {\n  a = 1\n}\n");
    let e = run(dir.path(), LoadOptions::default()).expect("estimate");
    assert!(e.complete && e.lines.is_empty());
    let json = serde_json::to_string(&e).expect("json");
    assert!(!json.contains("-0.0"), "{json}");
}

#[test]
fn huge_and_special_files_are_refused_quickly() {
    let dir = root("");
    let opts = LoadOptions {
        vars: Vec::new(),
        var_files: vec!["/dev/zero".into()],
    };
    let err = run(dir.path(), opts).expect_err("/dev/zero");
    assert!(err.to_string().contains("not a regular file"), "{err}");
    let big = dir.path().join("big.tfvars");
    std::fs::write(&big, vec![b'#'; 17 * 1024 * 1024]).expect("write");
    let opts = LoadOptions {
        vars: Vec::new(),
        var_files: vec![big],
    };
    let err = run(dir.path(), opts).expect_err("17 MiB");
    assert!(err.to_string().contains("larger than"), "{err}");
}

#[test]
fn the_provider_region_may_come_from_a_variable_or_a_local() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "main.tf",
        "variable \"region\" {\n  default = \"eu-west-1\"\n}\nlocals {\n  r = var.region\n}\nprovider \"aws\" {\n  region = local.r\n}\nresource \"aws_eip\" \"x\" {}\n",
    );
    let e = run(dir.path(), LoadOptions::default()).expect("estimate");
    assert_eq!(e.region, "eu-west-1");
}

fn net_of(e: &Estimate, address: &str) -> f64 {
    e.lines
        .iter()
        .filter(|l| l.line.address == address)
        .map(|l| l.line.monthly)
        .sum()
}

const TASK_1VCPU_2GB: &str = r#"
resource "aws_ecs_task_definition" "t" {
  family = "t"
  cpu    = "1 vCPU"
  memory = 2048
}
"#;

#[test]
fn a_task_definition_named_by_family_and_revision_is_found() {
    let e = run(
        root(&format!(
            r#"{TASK_1VCPU_2GB}
resource "aws_ecs_service" "s" {{
  launch_type     = "FARGATE"
  name            = "s"
  task_definition = "${{aws_ecs_task_definition.t.family}}:${{aws_ecs_task_definition.t.revision}}"
  desired_count   = 1
}}
"#
        ))
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!(e.complete, "{:?}", e.not_priced);
    // 730 h x (1 x $0.04048 + 2 x $0.004445) = $36.04
    assert!((net_of(&e, "aws_ecs_service.s") - 36.04).abs() < 0.01);
    assert!(
        !e.traps
            .iter()
            .any(|t| t.monthly_at_stake == 0.0 && t.id == "NO_SCALE_TO_ZERO")
    );
}

#[test]
fn every_capacity_provider_block_counts_with_base_and_weight() {
    let e = run(
        root(&format!(
            r#"{TASK_1VCPU_2GB}
resource "aws_ecs_service" "s" {{
  name            = "s"
  task_definition = aws_ecs_task_definition.t.arn
  desired_count   = 4
  capacity_provider_strategy {{
    capacity_provider = "FARGATE"
    base              = 1
    weight            = 0
  }}
  capacity_provider_strategy {{
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }}
}}
"#
        ))
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    let spot_factor = Catalog::builtin()
        .price("fargate.spot.factor", "us-east-1")
        .unwrap_or(0.3);
    // 1 task on-demand, 3 on Spot: 36.04 x (1 + 3 x factor), not 4 x 36.04 = 144.16.
    let expected = 36.04 * (1.0 + 3.0 * spot_factor);
    let got = net_of(&e, "aws_ecs_service.s");
    assert!((got - expected).abs() < 0.05, "{got} vs {expected}");
    assert!(
        e.assumptions
            .iter()
            .any(|a| a.contains("75 % of task-hours on Fargate Spot"))
    );

    // An EC2 capacity provider is not Fargate: not priced, said.
    let e = run(
        root(&format!(
            r#"{TASK_1VCPU_2GB}
resource "aws_ecs_service" "s" {{
  name            = "s"
  task_definition = aws_ecs_task_definition.t.arn
  desired_count   = 2
  capacity_provider_strategy {{
    capacity_provider = "my-asg-provider"
    weight            = 1
  }}
}}
"#
        ))
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!(!e.complete);
    assert!(e.not_priced[0].reason.contains("my-asg-provider"));
}

#[test]
fn autoscaling_min_capacity_above_desired_count_is_what_runs() {
    let e = run(
        root(&format!(
            r#"{TASK_1VCPU_2GB}
resource "aws_ecs_service" "s" {{
  launch_type     = "FARGATE"
  name            = "s"
  task_definition = aws_ecs_task_definition.t.arn
  desired_count   = 1
}}
resource "aws_appautoscaling_target" "s" {{
  service_namespace  = "ecs"
  resource_id        = "service/c/s"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 3
  max_capacity       = 6
}}
"#
        ))
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!((net_of(&e, "aws_ecs_service.s") - 3.0 * 36.04).abs() < 0.05);
}

#[test]
fn a_scheduled_scale_to_zero_is_not_blocked_by_min_capacity() {
    let e = run(
        root(&format!(
            r#"{TASK_1VCPU_2GB}
resource "aws_ecs_service" "s" {{
  launch_type     = "FARGATE"
  name            = "s"
  task_definition = aws_ecs_task_definition.t.arn
  desired_count   = 1
}}
resource "aws_appautoscaling_target" "s" {{
  service_namespace  = "ecs"
  resource_id        = "service/c/s"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1
  max_capacity       = 1
}}
resource "aws_appautoscaling_scheduled_action" "down" {{
  name               = "down"
  service_namespace  = "ecs"
  resource_id        = aws_appautoscaling_target.s.resource_id
  scalable_dimension = "ecs:service:DesiredCount"
  schedule           = "cron(0 18 ? * MON-FRI *)"
  scalable_target_action {{
    min_capacity = 0
    max_capacity = 0
  }}
}}
"#
        ))
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!(
        !e.traps
            .iter()
            .any(|t| t.id == "AUTOSCALING_MIN_BLOCKS_ZERO"),
        "{:#?}",
        e.traps
    );
}

#[test]
fn a_nat_gateways_own_eip_is_counted_once_and_an_alb_spans_two_azs() {
    let e = run(
        root(
            r#"
resource "aws_eip" "nat" {
  domain = "vpc"
}
resource "aws_nat_gateway" "this" {
  allocation_id = aws_eip.nat.id
  subnet_id     = "subnet-1"
}
resource "aws_lb" "web" {
  load_balancer_type = "application"
  subnets            = ["subnet-1"]
}
"#,
        )
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    let ipv4_lines = |address: &str| {
        e.lines
            .iter()
            .filter(|l| l.line.address == address && l.line.price_id == "vpc.public_ipv4.hour")
            .map(|l| l.line.quantity)
            .sum::<f64>()
    };
    assert_eq!(
        ipv4_lines("aws_eip.nat") + ipv4_lines("aws_nat_gateway.this"),
        730.0
    );
    assert_eq!(ipv4_lines("aws_lb.web"), 2.0 * 730.0);
}

#[test]
fn try_and_can_settle_like_terraform() {
    let e = run(
        root(
            r#"
variable "settings" {
  default = {}
}
locals {
  size  = try(var.settings.count, 2)
  valid = can(var.settings.count) ? 7 : 3
}
resource "aws_eip" "x" {
  count = local.size + local.valid - 3
}
"#,
        )
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    // try falls back to 2; can of a missing key is not known (left unknown -> the
    // conditional is unknown -> count unknown, assumed 1 and said).
    assert!(
        e.assumptions.iter().any(|a| a.contains("assumed 1")),
        "{:#?}",
        e.assumptions
    );
    let e = run(
        root(
            "locals {\n  n = try(var.nothing_here, 3)\n}\nvariable \"nothing_here\" {}\nresource \"aws_eip\" \"x\" {\n  count = local.n\n}\n",
        )
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert_eq!(e.lines.len(), 3);
}

const HTTP_API_INGRESS: &str = r#"
resource "aws_service_discovery_private_dns_namespace" "ns" {
  name = "app.local"
  vpc  = "vpc-1"
}
resource "aws_service_discovery_service" "app" {
  name = "app"
  dns_config {
    namespace_id = aws_service_discovery_private_dns_namespace.ns.id
    dns_records {
      type = "SRV"
      ttl  = 10
    }
  }
  health_check_custom_config {}
}
resource "aws_ecs_task_definition" "t" {
  family = "t"
  cpu    = 256
  memory = 512
}
resource "aws_ecs_service" "s" {
  launch_type     = "FARGATE"
  name            = "s"
  task_definition = aws_ecs_task_definition.t.arn
  desired_count   = 1
  service_registries {
    registry_arn   = aws_service_discovery_service.app.arn
    container_name = "app"
    container_port = 8080
  }
}
resource "aws_apigatewayv2_api" "http" {
  name          = "app"
  protocol_type = "HTTP"
}
resource "aws_apigatewayv2_vpc_link" "link" {
  name               = "app"
  subnet_ids         = ["a", "b"]
  security_group_ids = ["sg"]
}
"#;

#[test]
fn http_api_vpc_link_and_cloud_map_are_priced() {
    let e = run(root(HTTP_API_INGRESS).path(), LoadOptions::default()).expect("estimate");
    assert!(e.complete, "{:?}", e.not_priced);
    assert!((net_of(&e, "aws_service_discovery_private_dns_namespace.ns") - 0.50).abs() < 1e-9);
    // 1 task 24x7 registered: 1 instance-month x $0.10 + 0.1 M calls x $1.00.
    assert!((net_of(&e, "aws_service_discovery_service.app") - 0.20).abs() < 1e-9);
    assert!((net_of(&e, "aws_apigatewayv2_api.http") - 0.10).abs() < 1e-9);
    assert_eq!(net_of(&e, "aws_apigatewayv2_vpc_link.link"), 0.0);
}

#[test]
fn a_price_missing_for_the_region_is_not_priced_never_another_regions() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "main.tf",
        &format!("provider \"aws\" {{\n  region = \"eu-west-1\"\n}}\n{HTTP_API_INGRESS}"),
    );
    let e = run(dir.path(), LoadOptions::default()).expect("estimate");
    assert!(!e.complete);
    let n = e
        .not_priced
        .iter()
        .find(|n| n.address == "aws_apigatewayv2_api.http")
        .expect("listed");
    assert!(n.reason.contains("eu-west-1"), "{}", n.reason);
    assert!(
        !e.lines
            .iter()
            .any(|l| l.line.address == "aws_apigatewayv2_api.http")
    );
}

#[test]
fn container_insights_turned_on_account_wide_is_priced_on_every_cluster() {
    let e = run(
        root(
            r#"
resource "aws_ecs_account_setting_default" "ci" {
  name  = "containerInsights"
  value = "enabled"
}
resource "aws_ecs_cluster" "c" {
  name = "c"
}
"#,
        )
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!(net_of(&e, "aws_ecs_cluster.c") > 0.0);
    assert!(e.traps.iter().any(|t| t.id == "CONTAINER_INSIGHTS"));
}

#[test]
fn legacy_alb_names_and_nlb_capacity_units_are_priced() {
    let e = run(
        root(
            r#"
resource "aws_alb" "web" {
  subnets = ["a", "b"]
}
resource "aws_alb_listener" "http" {
  load_balancer_arn = aws_alb.web.arn
  port              = 80
}
resource "aws_lb" "net" {
  load_balancer_type = "network"
  internal           = true
}
"#,
        )
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!(e.complete, "{:?}", e.not_priced);
    assert!(e.lines.iter().any(|l| l.line.address == "(data transfer)"));
    assert!(
        e.lines
            .iter()
            .any(|l| l.line.price_id == "elb.nlb.nlcu_hour")
    );
}

#[test]
fn every_usage_figure_must_be_a_non_negative_number() {
    let err = Usage::new(Some(("nat_processed_gb = -5\n", "u.toml"))).expect_err("negative");
    assert!(err.to_string().contains("nat_processed_gb"), "{err}");
    let err = Usage::new(Some(("nlb_lcu = nan\n", "u.toml"))).expect_err("nan");
    assert!(err.to_string().contains("nlb_lcu"), "{err}");
}

fn db(engine: &str, version: &str, class: &str) -> String {
    format!(
        "resource \"aws_db_instance\" \"db\" {{\n  engine = \"{engine}\"\n  engine_version = \"{version}\"\n  instance_class = \"{class}\"\n  allocated_storage = 20\n}}\n"
    )
}

#[test]
fn rds_extended_support_by_year_engine_and_any_class() {
    // PostgreSQL 11 left standard support on 2024-02-29: year 3 from 2026-03-01, $0.20.
    let e = run(
        root(&db("postgres", "11.22", "db.t3.micro")).path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    let es: Vec<_> = e
        .lines
        .iter()
        .filter(|l| l.line.price_id.starts_with("rds.extended_support"))
        .collect();
    assert_eq!(es.len(), 1);
    assert_eq!(es[0].line.price_id, "rds.extended_support.y3.vcpu_hour");
    assert!((es[0].line.monthly - 2.0 * 730.0 * 0.20).abs() < 0.01);
    // MySQL 5.7 on a class the catalog does not price: the instance is listed as not
    // priced, but its Extended Support (2 vCPU, year 3) is priced and raises the trap.
    let e = run(
        root(&db("mysql", "5.7.44", "db.m5.large")).path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!(!e.complete);
    assert!((e.total_net - 292.0).abs() < 0.01, "{}", e.total_net);
    assert!(e.traps.iter().any(|t| t.id == "RDS_EXTENDED_SUPPORT"));
    // Too old to create at all.
    let e = run(
        root(&db("postgres", "10.21", "db.t3.micro")).path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!(e.not_priced[0].reason.contains("no longer creates"));
    assert_eq!(cost_engine::pricing::vcpus("db.t2.micro"), Some(1.0));
    assert_eq!(cost_engine::pricing::vcpus("db.r6g.4xlarge"), Some(16.0));
}

#[test]
fn mutually_exclusive_counts_are_never_both_priced() {
    let e = run(
        root(
            r#"
variable "use_nat" {
  type = bool
}
resource "aws_nat_gateway" "this" {
  count     = var.use_nat ? 1 : 0
  subnet_id = "a"
}
resource "aws_eip" "instead" {
  count = !var.use_nat ? 1 : 0
}
"#,
        )
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    let priced: std::collections::BTreeSet<&str> =
        e.lines.iter().map(|l| l.line.rtype.as_str()).collect();
    assert!(
        priced.contains("aws_nat_gateway") && !priced.contains("aws_eip"),
        "{priced:?}"
    );
    assert!(
        e.assumptions
            .iter()
            .any(|a| a.contains("var.use_nat is not known statically; assumed true"))
    );
}

#[test]
fn a_syntax_error_inside_a_local_module_names_its_file() {
    let dir = root("module \"m\" {\n  source = \"./m\"\n}\n");
    write(
        dir.path(),
        "m/main.tf",
        "resource \"aws_eip\" \"x\" {\n  tags = {\n}\n",
    );
    let err = run(dir.path(), LoadOptions::default()).expect_err("syntax");
    let text = err.to_string();
    assert!(
        text.contains("m/main.tf") && text.contains("syntax error"),
        "{text}"
    );
}

#[test]
fn a_plan_of_the_wrong_shape_is_refused() {
    for bad in [
        r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": 7}}}"#,
        r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "aws_eip.x", "type": "aws_eip", "mode": "managed", "values": [1]}]}}}"#,
        r#"{"format_version": "1.2", "planned_values": {"root_module": {"child_modules": [3]}}}"#,
    ] {
        let err = cost_engine::plan_loader::parse(bad, "plan.json").expect_err(bad);
        assert!(err.to_string().contains("not a Terraform plan"), "{err}");
    }
}

#[test]
fn availability_zones_of_priced_regions_are_known() {
    // slice(names, 0, 3) decides how many subnets and load-balancer addresses exist.
    let e = run(
        root(
            r#"
data "aws_availability_zones" "available" {}
locals {
  azs = slice(data.aws_availability_zones.available.names, 0, 3)
}
resource "aws_lb" "web" {
  subnets = [for az in local.azs : "subnet-${az}"]
}
"#,
        )
        .path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    let ips: f64 = e
        .lines
        .iter()
        .filter(|l| l.line.price_id == "vpc.public_ipv4.hour")
        .map(|l| l.line.quantity)
        .sum();
    assert_eq!(ips, 3.0 * 730.0);
}

#[test]
fn a_function_the_estimator_lacks_is_named() {
    let e = run(
        root("resource \"aws_eip\" \"x\" {\n  tags = { created = plantimestamp() }\n}\n").path(),
        LoadOptions::default(),
    )
    .expect("estimate");
    assert!(
        e.assumptions
            .iter()
            .any(|a| a.contains("function plantimestamp() is not implemented")),
        "{:#?}",
        e.assumptions
    );
}

#[test]
fn blocks_nested_deeper_than_the_parser_reads_say_so_honestly() {
    let mut body = String::from("resource \"aws_security_group\" \"x\" {\n");
    for i in 0..40 {
        body.push_str(&format!(
            "dynamic \"b{i}\" {{\nfor_each = [1]\ncontent {{\n"
        ));
    }
    body.push_str(&"}\n}\n".repeat(40));
    body.push_str("}\n");
    let err = run(root(&body).path(), LoadOptions::default()).expect_err("too deep");
    assert!(
        err.to_string().contains("64 levels") && err.to_string().contains("--plan"),
        "{err}"
    );
}

/// Red team round 3, item 24: flow logs, a provisioned-mode event source mapping and a
/// private-CA certificate bill; each was a silent $0 that passed a $0.01 gate. Their
/// free forms stay free.
#[test]
fn types_that_can_bill_are_never_a_silent_zero() {
    let billed = root(
        r#"
resource "aws_flow_log" "all" {
  vpc_id               = "vpc-0123456789abcdef0"
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::flow-logs-bucket"
}
resource "aws_lambda_event_source_mapping" "kafka" {
  function_name     = "consumer"
  event_source_arn  = "arn:aws:kafka:us-east-1:123456789012:cluster/c/abc"
  starting_position = "LATEST"
  provisioned_poller_config {
    minimum_pollers = 100
    maximum_pollers = 200
  }
}
resource "aws_acm_certificate" "private" {
  domain_name               = "internal.example.com"
  certificate_authority_arn = "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/abc"
}
"#,
    );
    let e = run(billed.path(), LoadOptions::default()).expect("estimate");
    assert!(!e.complete);
    let mut types: Vec<&str> = e.not_priced.iter().map(|n| n.rtype.as_str()).collect();
    types.sort();
    assert_eq!(
        types,
        [
            "aws_acm_certificate",
            "aws_flow_log",
            "aws_lambda_event_source_mapping"
        ]
    );
    let free = root(
        r#"
resource "aws_lambda_event_source_mapping" "sqs" {
  function_name    = "consumer"
  event_source_arn = "arn:aws:sqs:us-east-1:123456789012:q"
}
resource "aws_acm_certificate" "public" {
  domain_name       = "example.com"
  validation_method = "DNS"
}
"#,
    );
    let e = run(free.path(), LoadOptions::default()).expect("estimate");
    assert!(e.complete, "{:?}", e.not_priced);
}
