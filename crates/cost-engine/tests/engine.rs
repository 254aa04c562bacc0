//! The arithmetic pinned on hand-computed cases, and fixture trees through the
//! whole engine (loader -> pricing -> free tier -> traps).

use cost_engine::catalog::Catalog;
use cost_engine::date::{self, Date};
use cost_engine::engine::{self, Request, Source};
use cost_engine::estimate::Estimate;
use cost_engine::free_tier::Plan;
use cost_engine::hcl_loader::{LoadOptions, load_dir};
use cost_engine::usage::Usage;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn estimate_with(source: Source, plan: Plan, as_of: Date) -> Estimate {
    let catalog = Catalog::builtin();
    let usage = Usage::new(None).expect("usage");
    engine::estimate(&Request {
        source,
        catalog: &catalog,
        usage: &usage,
        region: None,
        fallback_region: "us-east-1".into(),
        plan,
        as_of,
    })
    .expect("estimate")
}

fn today() -> Date {
    date::ymd(2026, 11, 27)
}

fn estimate(dir: &str) -> Estimate {
    estimate_with(
        Source::Dir(fixture(dir), LoadOptions::default()),
        Plan::Credits { credits: None },
        today(),
    )
}

fn sum(e: &Estimate, address: &str, price_prefix: &str) -> f64 {
    e.lines
        .iter()
        .filter(|l| l.line.address == address && l.line.price_id.starts_with(price_prefix))
        .map(|l| l.line.monthly)
        .sum()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}

/// A one-file configuration in a temp dir.
fn tf(body: &str) -> (tempfile::TempDir, Source) {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("main.tf"),
        format!("provider \"aws\" {{\n  region = \"us-east-1\"\n}}\n{body}"),
    )
    .expect("write");
    let src = Source::Dir(dir.path().to_path_buf(), LoadOptions::default());
    (dir, src)
}

fn service(cpu: u32, mem: u32, arch: &str, public_ip: bool) -> String {
    format!(
        r#"
resource "aws_ecs_task_definition" "t" {{
  family = "t"
  cpu    = "{cpu}"
  memory = "{mem}"
  runtime_platform {{
    cpu_architecture = "{arch}"
  }}
  container_definitions = "[]"
}}
resource "aws_ecs_service" "s" {{
  launch_type     = "FARGATE"
  name            = "s"
  task_definition = aws_ecs_task_definition.t.arn
  desired_count   = 1
  network_configuration {{
    subnets          = ["a"]
    assign_public_ip = {public_ip}
  }}
}}
"#
    )
}

#[test]
fn quarter_vcpu_half_gb_x86_task_24x7_is_9_01() {
    let (_d, src) = tf(&service(256, 512, "X86_64", false));
    let e = estimate_with(src, Plan::None, today());
    let fargate = sum(&e, "aws_ecs_service.s", "fargate.");
    assert!(close(fargate, 9.01), "{fargate}");
    // 0.25 x 0.04048 + 0.5 x 0.004445 = 0.0123425 per hour, exactly.
    assert!((fargate - 0.0123425 * 730.0).abs() < 1e-9);
}

#[test]
fn same_task_on_arm_is_7_21_and_its_public_ip_3_65() {
    let (_d, src) = tf(&service(256, 512, "ARM64", true));
    let e = estimate_with(src, Plan::None, today());
    assert!(close(sum(&e, "aws_ecs_service.s", "fargate.arm."), 7.21));
    assert!(close(sum(&e, "aws_ecs_service.s", "vpc.public_ipv4"), 3.65));
}

#[test]
fn alb_is_16_43_plus_lcus_plus_one_ip_per_az() {
    let (_d, src) = tf(r#"
resource "aws_lb" "a" {
  load_balancer_type = "application"
  subnets            = ["a", "b", "c"]
}
"#);
    let e = estimate_with(src, Plan::None, today());
    assert!(close(sum(&e, "aws_lb.a", "elb.alb.hour"), 16.43));
    assert!(close(
        sum(&e, "aws_lb.a", "elb.alb.lcu_hour"),
        0.1 * 730.0 * 0.008
    ));
    // 3 public IPv4 = $10.95
    assert!(close(sum(&e, "aws_lb.a", "vpc.public_ipv4"), 10.95));
}

#[test]
fn postgres_13_on_t3_micro_adds_146_of_extended_support() {
    let db = |version: &str| {
        tf(&format!(
            "resource \"aws_db_instance\" \"d\" {{\n  engine = \"postgres\"\n  engine_version = \"{version}\"\n  instance_class = \"db.t3.micro\"\n  allocated_storage = 20\n}}\n"
        ))
    };
    let (_a, pg13) = db("13.15");
    let e = estimate_with(pg13, Plan::None, today());
    let es = sum(&e, "aws_db_instance.d", "rds.extended_support");
    assert!(close(es, 146.0), "{es}");
    assert!(close(sum(&e, "aws_db_instance.d", "rds.postgres"), 13.14));
    assert!(e.traps.iter().any(|t| t.id == "RDS_EXTENDED_SUPPORT"));
    // Before 2026-02-28 the same database had no Extended Support charge.
    let (_b, pg13_early) = db("13.15");
    let early = estimate_with(pg13_early, Plan::None, date::ymd(2026, 1, 15));
    assert_eq!(
        sum(&early, "aws_db_instance.d", "rds.extended_support"),
        0.0
    );
    let (_c, pg17) = db("17.2");
    assert_eq!(
        sum(
            &estimate_with(pg17, Plan::None, today()),
            "aws_db_instance.d",
            "rds.extended_support"
        ),
        0.0
    );
}

#[test]
fn working_hours_schedule_gives_217_task_hours() {
    let e = estimate("clean");
    let ip_free: f64 = e
        .lines
        .iter()
        .filter(|l| l.line.price_id == "fargate.x86.vcpu_hour")
        .map(|l| l.line.quantity)
        .sum();
    // 217.26 task-hours x 0.25 vCPU
    assert!((ip_free / 0.25 - 217.26).abs() < 0.01, "{ip_free}");
    assert!(
        e.traps.is_empty(),
        "clean fixture has no traps: {:?}",
        e.traps
    );
    assert!(e.not_priced.is_empty());
}

#[test]
fn traps_fixture_flags_every_trap() {
    let e = estimate("traps");
    let ids: std::collections::BTreeSet<&str> = e.traps.iter().map(|t| t.id).collect();
    for id in [
        "NAT_GATEWAY",
        "PUBLIC_IPV4",
        "CONTAINER_INSIGHTS",
        "RDS_EXTENDED_SUPPORT",
        "RDS_MULTI_AZ",
        "KMS_CUSTOMER_KEY",
        "SECRETS_MANAGER",
        "LOG_RETENTION",
        "ECR_NO_LIFECYCLE",
        "OVERSIZED_TASK",
        "AUTOSCALING_MIN_BLOCKS_ZERO",
        "NO_SCALE_TO_ZERO",
        "INTERFACE_ENDPOINT",
        "ALB_DELETION_PROTECTION",
    ] {
        assert!(ids.contains(id), "missing trap {id}: {ids:?}");
    }
    let nat = e.traps.iter().find(|t| t.id == "NAT_GATEWAY").expect("nat");
    // 730 h x $0.045 + 10 GB x $0.045 + 730 h x $0.005
    assert!(
        close(nat.monthly_at_stake, 32.85 + 0.45 + 3.65),
        "{}",
        nat.monthly_at_stake
    );
    // Multi-AZ doubles ES too: 2 vCPU x 730 x 2 x $0.10
    assert!(close(
        sum(&e, "module.db.aws_db_instance.this", "rds.extended_support"),
        292.0
    ));
    // Unknown types are listed, never $0 silently.
    assert_eq!(e.not_priced.len(), 1);
    assert_eq!(e.not_priced[0].rtype, "aws_mq_broker");
}

#[test]
fn count_for_each_modules_and_tfvars() {
    let e = estimate("counted");
    assert_eq!(e.region, "eu-west-1");
    // tfvars: ip_count = 3 overrides the default 1
    assert_eq!(
        e.lines.iter().filter(|l| l.line.rtype == "aws_eip").count(),
        3
    );
    // tfvars: two module instances with desired 2 and 1 (for_each)
    let web = sum(&e, "module.svc[\"web\"].aws_ecs_service.s", "fargate.");
    let worker = sum(&e, "module.svc[\"worker\"].aws_ecs_service.s", "fargate.");
    assert!(close(web, 2.0 * worker), "{web} vs {worker}");
    // Spot: 0.35 of on-demand, eu-west-1 prices
    let on_demand = 730.0 * (0.5 * 0.04048 + 1.0 * 0.004445);
    assert!(close(worker, on_demand * 0.35), "{worker}");
    // conditional: no alarms by default
    assert!(
        !e.lines
            .iter()
            .any(|l| l.line.rtype == "aws_cloudwatch_metric_alarm")
    );
    assert!(
        e.assumptions
            .iter()
            .all(|a| !a.contains("not known statically")),
        "{:?}",
        e.assumptions
    );
}

#[test]
fn var_and_var_file_override_tfvars() {
    let dir = tempfile::tempdir().expect("tmp");
    let extra = dir.path().join("more.tfvars");
    std::fs::write(&extra, "ip_count = 5\n").expect("write");
    let opts = LoadOptions {
        vars: vec!["with_alarms=true".into()],
        var_files: vec![extra],
    };
    let stack = load_dir(&fixture("counted"), &opts).expect("load");
    assert_eq!(stack.of_type("aws_eip").count(), 5);
    assert_eq!(stack.of_type("aws_cloudwatch_metric_alarm").count(), 3);
    let bad = LoadOptions {
        vars: vec!["nope=1".into()],
        var_files: Vec::new(),
    };
    let err = load_dir(&fixture("counted"), &bad).expect_err("undeclared");
    assert!(
        err.to_string()
            .contains("variable \"nope\" is not declared"),
        "{err}"
    );
}

#[test]
fn plan_json_gives_the_same_model() {
    let e = estimate_with(Source::Plan(fixture("plan.json")), Plan::None, today());
    assert_eq!(e.region, "us-east-1");
    assert!(close(sum(&e, "aws_lb.this", "vpc.public_ipv4"), 10.95));
    // task definition linked through configuration references; ARM prices
    assert!(close(
        sum(&e, "module.app.aws_ecs_service.app", "fargate.arm."),
        7.21
    ));
}

#[test]
fn legacy_free_tier_only_inside_its_window_and_credits_last_months() {
    let (_d, src) = tf(r#"
resource "aws_lb" "a" {
  subnets = ["a", "b"]
}
"#);
    let created = date::ymd(2025, 3, 1);
    let inside = estimate_with(
        src.clone(),
        Plan::Legacy { created },
        date::ymd(2025, 10, 1),
    );
    assert!(
        close(inside.total_free_tier, 16.43 + 0.58 + 0.45),
        "{}",
        inside.total_free_tier
    );
    let after = estimate_with(src.clone(), Plan::Legacy { created }, today());
    assert!(close(after.total_free_tier, 0.45)); // only always-free data transfer
    let credits = estimate_with(
        src,
        Plan::Credits {
            credits: Some(200.0),
        },
        today(),
    );
    let months = credits
        .credits
        .as_ref()
        .and_then(|c| c.months)
        .expect("months");
    assert!(close(months, 200.0 / credits.total_net));
}

fn dev_with(vars: &[&str]) -> Estimate {
    let dev = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../terraform/environments/dev");
    let e = estimate_with(
        Source::Dir(
            dev,
            LoadOptions {
                vars: vars.iter().map(|v| v.to_string()).collect(),
                var_files: Vec::new(),
            },
        ),
        Plan::Credits { credits: None },
        today(),
    );
    assert!(e.not_priced.is_empty(), "{:?}", e.not_priced);
    assert!(
        !e.traps
            .iter()
            .any(|t| t.severity == cost_engine::traps::Severity::High)
    );
    e
}

fn line(e: &Estimate, address: &str, component: &str) -> f64 {
    e.lines
        .iter()
        .filter(|l| l.line.address == address && l.line.component == component)
        .map(|l| l.net)
        .sum()
}

/// terraform/environments/dev/README.md, HTTP API ingress (the default): 217.26 task
/// hours a month on the working-hours schedule.
#[test]
fn dev_environment_matches_its_readme() {
    let e = dev_with(&[]);
    let hours = 217.26;
    let svc = "module.app.aws_ecs_service.app";
    assert!(close(
        line(&e, svc, "Fargate x86 vCPU"),
        0.25 * hours * 0.04048
    ));
    assert!(close(
        line(&e, svc, "Fargate x86 memory"),
        0.5 * hours * 0.004445
    ));
    assert!(close(line(&e, svc, "task public IPv4"), hours * 0.005));
    let api = "module.http_api[0]";
    // One private hosted zone; the tasks' average instances; 0.1 million each of
    // discovery calls and requests (the usage defaults), at $1.00 per million.
    let ns = format!("{api}.aws_service_discovery_private_dns_namespace.this");
    assert!(close(
        line(&e, &ns, "Route 53 hosted zone of the namespace"),
        0.50
    ));
    let cm = format!("{api}.aws_service_discovery_service.app");
    assert!(close(
        line(&e, &cm, "registered instances (average)"),
        hours / 730.0 * 0.10
    ));
    assert!(close(line(&e, &cm, "discovery calls"), 0.1 * 1.00));
    let http = format!("{api}.aws_apigatewayv2_api.this");
    assert!(close(line(&e, &http, "HTTP API requests"), 0.1 * 1.00));
    // 2.20 + 0.48 + 1.09 + 0.50 + 0.03 + 0.10 + 0.10; logs and alarms within free tier.
    assert!(close(e.total_net, 4.50), "{}", e.total_net);
    assert!(!e.lines.iter().any(|l| l.line.address.contains("aws_lb.")));
}

/// The ALB variant is what the stack cost before the HTTP API ingress: $28.08.
#[test]
fn dev_environment_with_the_alb_costs_what_it_did() {
    let e = dev_with(&["ingress=alb"]);
    let alb = "module.alb[0].aws_lb.this";
    assert!(close(line(&e, alb, "ALB hours"), 730.0 * 0.0225));
    assert!(close(
        line(&e, alb, "public IPv4, one per AZ"),
        2.0 * 730.0 * 0.005
    ));
    assert!(close(e.total_net, 28.08), "{}", e.total_net);
}

#[test]
fn the_gate_refuses_free_tier_traps_and_budgets_and_fails_closed() {
    use cost_engine::gate::{self, Budget, Refusal, Tier};
    let budget = |max: f64| Budget {
        max,
        source: "the budget".into(),
    };
    let traps = estimate("traps");
    // Without the tier only the budget counts.
    assert!(gate::check(&traps, None, Tier::Any).is_ok());
    match gate::check(&traps, None, Tier::Free) {
        Err(Refusal::Refused(m)) => assert!(m.contains("NAT_GATEWAY"), "{m}"),
        other => panic!("{other:?}"),
    }
    let clean = estimate("clean");
    assert!(clean.complete && clean.total_net > 0.0);
    let ok = gate::check(&clean, Some(&budget(clean.total_net + 1.0)), Tier::Any).expect("within");
    assert!(ok.is_some_and(|n| n.starts_with("within the budget")));
    assert!(matches!(
        gate::check(&clean, Some(&budget(clean.total_net - 0.5)), Tier::Any),
        Err(Refusal::Refused(m)) if m.contains("exceeds the budget")
    ));
    let mut partial = clean.clone();
    partial.complete = false;
    assert!(matches!(
        gate::check(&partial, Some(&budget(1e9)), Tier::Any),
        Err(Refusal::Incomplete(_))
    ));
    // Over the budget already: refused, and the message says it is a lower bound.
    assert!(matches!(
        gate::check(&partial, Some(&budget(0.0)), Tier::Any),
        Err(Refusal::Refused(m)) if m.contains("at least")
    ));
}
