//! check-free-tier: the plan and runway from the Free Tier API (scripted: moto has no
//! Free Tier API), offers against limits as an exit code, the live trap scan on a
//! seeded moto account (each trap present, and a clean account with none).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::json;
use test_support::scripted::Reply;

const BIN: &str = env!("CARGO_BIN_EXE_check-free-tier");
/// The seed's script name, an alias.
const ALIAS: &str = env!("CARGO_BIN_EXE_check-free-tier-usage");

const TRAPS: &str = r#"
import boto3
ec2 = boto3.client('ec2'); ecs = boto3.client('ecs'); logs = boto3.client('logs')
vpc = ec2.create_vpc(CidrBlock='10.0.0.0/16')['Vpc']['VpcId']
sub = ec2.create_subnet(VpcId=vpc, CidrBlock='10.0.1.0/24')['Subnet']['SubnetId']
eip = ec2.allocate_address(Domain='vpc')['AllocationId']
ec2.allocate_address(Domain='vpc')
ec2.create_nat_gateway(SubnetId=sub, AllocationId=eip)
ec2.create_vpc_endpoint(VpcId=vpc, ServiceName='com.amazonaws.us-east-1.ssm', VpcEndpointType='Interface', SubnetIds=[sub])
ecs.create_cluster(clusterName='insights', settings=[{'name': 'containerInsights', 'value': 'enabled'}])
ecs.create_cluster(clusterName='plain', settings=[{'name': 'containerInsights', 'value': 'disabled'}])
logs.create_log_group(logGroupName='/forever')
logs.create_log_group(logGroupName='/kept')
logs.put_retention_policy(logGroupName='/kept', retentionInDays=7)
boto3.client('rds').create_db_instance(DBInstanceIdentifier='old-pg', Engine='postgres', EngineVersion='11.22', DBInstanceClass='db.t3.micro', AllocatedStorage=20, MasterUsername='u', MasterUserPassword='p4ssw0rd-long')  # pragma: allowlist secret
boto3.client('rds').create_db_instance(DBInstanceIdentifier='new-pg', Engine='postgres', EngineVersion='17.2', DBInstanceClass='db.t3.micro', AllocatedStorage=20, MasterUsername='u', MasterUserPassword='p4ssw0rd-long')  # pragma: allowlist secret
sub2 = ec2.create_subnet(VpcId=vpc, CidrBlock='10.0.2.0/24', AvailabilityZone='us-east-1b')['Subnet']['SubnetId']
elb = boto3.client('elbv2')
lb = elb.create_load_balancer(Name='idle-alb', Subnets=[sub, sub2])['LoadBalancers'][0]['LoadBalancerArn']
tg = elb.create_target_group(Name='tg', Protocol='HTTP', Port=80, VpcId=vpc, TargetType='ip')['TargetGroups'][0]['TargetGroupArn']
elb.create_listener(LoadBalancerArn=lb, Protocol='HTTP', Port=80, DefaultActions=[{'Type': 'forward', 'TargetGroupArn': tg}])
boto3.client('secretsmanager').create_secret(Name='db-password', SecretString='x')
boto3.client('kms').create_key(Description='customer key')
"#;

#[test]
fn the_documented_line_shows_plan_runway_offers_and_traps() {
    let w = World::new(typical_month());
    w.moto.python(TRAPS);
    // $1 of credits left: at any burn of the seeded month they end before the plan.
    w.scripted.set(
        "GetAccountPlanState",
        vec![Reply::json(plan_state(1.0, 100))],
    );
    let (code, r, stderr) = w.run(BIN, &["--service", "all", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}\n{r:#}");
    assert_eq!(r["plan"]["plan_type"], "FREE");
    assert!(near(&r["plan"]["remaining_credits_usd"], 1.0));
    // The month's gross per complete day: credits do not hide the burn.
    assert!(r["runway"]["daily_burn"].as_f64().unwrap() > 0.0, "{r:#}");
    assert!(
        r["runway"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("credits run out first"),
        "{r:#}"
    );
    assert_eq!(r["offers"][0]["service"], "Amazon DynamoDB", "worst first");
    assert_eq!(r["offers"][0]["state"], "warning");

    let traps = r["scan"]["traps"].as_array().unwrap();
    let ids: std::collections::BTreeSet<&str> =
        traps.iter().map(|t| t["id"].as_str().unwrap()).collect();
    for id in [
        "NAT_GATEWAY",
        "PUBLIC_IPV4",
        "INTERFACE_ENDPOINT",
        "CONTAINER_INSIGHTS",
        "LOG_RETENTION",
    ] {
        assert!(ids.contains(id), "{id}: {traps:#?}");
    }
    let ips = traps.iter().filter(|t| t["id"] == "PUBLIC_IPV4").count();
    assert!(ips >= 2, "every Elastic IP, idle or not: {traps:#?}");
    let nat = traps.iter().find(|t| t["id"] == "NAT_GATEWAY").unwrap();
    assert!(near(&nat["monthly_usd"], 0.045 * 730.0));
    assert_eq!(nat["message"], cost_engine_wording_nat());
    let logs: Vec<&str> = traps
        .iter()
        .filter(|t| t["id"] == "LOG_RETENTION")
        .map(|t| t["resource"].as_str().unwrap())
        .collect();
    assert_eq!(logs, ["/forever"]);
    let insights: Vec<&str> = traps
        .iter()
        .filter(|t| t["id"] == "CONTAINER_INSIGHTS")
        .map(|t| t["resource"].as_str().unwrap())
        .collect();
    assert_eq!(insights, ["cluster insights (enabled)"]);
    let rds: Vec<&str> = traps
        .iter()
        .filter(|t| t["id"] == "RDS_EXTENDED_SUPPORT")
        .map(|t| t["resource"].as_str().unwrap())
        .collect();
    assert_eq!(
        rds.len(),
        1,
        "PostgreSQL 17 is in standard support: {rds:?}"
    );
    assert!(rds[0].starts_with("old-pg (PostgreSQL 11"), "{rds:?}");
    let rds_cost = traps
        .iter()
        .find(|t| t["id"] == "RDS_EXTENDED_SUPPORT")
        .unwrap()["monthly_usd"]
        .as_f64()
        .unwrap();
    assert!(
        rds_cost > 100.0,
        "2 vCPU x 730 h x $0.10 (or the year-3 rate): {rds_cost}"
    );
    let lb = traps
        .iter()
        .find(|t| t["id"] == "LOAD_BALANCER_IDLE")
        .unwrap();
    assert!(
        lb["resource"]
            .as_str()
            .unwrap()
            .contains("idle-alb (0 targets, none healthy)"),
        "{lb:#}"
    );
}

fn cost_engine_wording_nat() -> &'static str {
    "a NAT gateway bills every hour plus every GB it processes, plus its public IPv4"
}

#[test]
fn a_clean_account_has_no_traps_and_the_table_says_so() {
    let w = World::new(typical_month());
    // $1,000 of credits outlast the plan at any burn of the seeded month.
    w.scripted.set(
        "GetAccountPlanState",
        vec![Reply::json(plan_state(1000.0, 100))],
    );
    let (code, text, stderr) = w.text(BIN, &["--service", "all"]);
    assert_eq!(code, 0, "{stderr}");
    for s in [
        "plan: FREE (ACTIVE)",
        "credits left: $1000.00",
        "runway: the free plan ends first, in 100 days",
        "Amazon DynamoDB",
        "cost traps: none found",
    ] {
        assert!(text.contains(s), "{s}:\n{text}");
    }
    assert!(
        !text.contains("AWS Lambda"),
        "under the threshold: only with --detailed\n{text}"
    );
    let (_, text, _) = w.text(BIN, &["--detailed", "--no-scan"]);
    assert!(text.contains("AWS Lambda"), "{text}");
    assert!(!text.contains("cost traps"), "{text}");
}

#[test]
fn an_offer_forecast_over_its_limit_is_exit_8() {
    let w = World::new(typical_month());
    w.scripted.set(
        "GetFreeTierUsage",
        vec![Reply::json(json!({"freeTierUsages": [offer("AWS Lambda", "Request", 600_000.0, 1_200_000.0, 1_000_000.0)]}))],
    );
    let (code, r, stderr) = w.run(BIN, &["--no-scan", "-o", "json"]);
    assert_eq!(code, 8, "{stderr}");
    assert_eq!(r["offers"][0]["state"], "forecast-over");
    assert!(stderr.contains("AWS Lambda Request (120 %)"), "{stderr}");
    let (code, _, _) = w.run(BIN, &["--no-scan", "--service", "dynamodb"]);
    assert_eq!(code, 0, "filtered to another service");
}

#[test]
fn the_month_report_is_markdown() {
    let w = World::new(typical_month());
    let (code, text, stderr) = w.text(BIN, &["--report", "month"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(text.starts_with("# AWS costs and Free Tier: "), "{text}");
    for s in [
        "## Cost by service, month to date",
        "| Amazon Elastic Container Service | $",
        "## Daily gross cost",
        "## Free Tier offers",
        "## Cost traps",
    ] {
        assert!(text.contains(s), "{s}:\n{text}");
    }
}

#[test]
fn a_free_tier_api_that_fails_is_an_error_not_a_pass() {
    let w = World::new(typical_month());
    w.scripted.set(
        "GetAccountPlanState",
        vec![Reply::error("AccessDeniedException", "not allowed")],
    );
    let (code, _, stderr) = w.run(BIN, &["--no-scan"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("freetier:GetAccountPlanState"), "{stderr}");
}

#[test]
fn the_help_and_readme_examples_run() {
    let w = World::new(typical_month());
    for args in [
        vec!["--service", "lambda", "--detailed", "--no-scan"],
        vec!["--threshold", "50", "-o", "json", "--no-scan"],
        vec!["--detailed", "--threshold", "50", "--no-scan"],
    ] {
        let (code, _, stderr) = w.text(BIN, &args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
    }
    let (_, r, _) = w.run(BIN, &["--threshold", "95", "--no-scan", "-o", "json"]);
    assert_eq!(
        r["offers"][0]["state"], "ok",
        "92 % is under a 95 % threshold"
    );
}

/// Issue 25 (3): a free plan whose end date (from the Free Tier API) is near is exit 8,
/// saying what happens then; --closing-days moves the threshold.
#[test]
fn a_free_plan_ending_soon_is_exit_8_with_what_happens_then() {
    let w = World::new(typical_month());
    w.scripted.set(
        "GetAccountPlanState",
        vec![
            Reply::json(plan_state(80.0, 10)),
            Reply::json(plan_state(80.0, 10)),
        ],
    );
    let (code, _, stderr) = w.run(BIN, &["--no-scan"]);
    assert_eq!(code, 8, "{stderr}");
    assert!(stderr.contains("the free plan ends on"), "{stderr}");
    assert!(stderr.contains("AWS closes it"), "{stderr}");
    let (code, _, stderr) = w.run(BIN, &["--no-scan", "--closing-days", "5"]);
    assert_eq!(code, 0, "10 days is beyond 5: {stderr}");
}

/// Issue 27: the seed's script line works as written, through the alias, with the
/// same answer as check-free-tier.
#[test]
fn the_seed_name_check_free_tier_usage_runs_as_written() {
    let w = World::new(typical_month());
    let args = ["--service", "all", "--detailed", "--no-scan", "-o", "json"];
    let (code, alias, stderr) = w.run(ALIAS, &args);
    assert_eq!(code, 0, "{stderr}");
    let (_, tool, _) = w.run(BIN, &args);
    assert_eq!(alias["offers"], tool["offers"]);
    assert_eq!(alias["plan"], tool["plan"]);
    let help = test_support::help_text(ALIAS, &["--help"]);
    assert!(help.contains("Usage: check-free-tier-usage"), "{help}");
}

#[test]
fn check_free_tier_survives_hostile_environments() {
    let w = World::new(typical_month());
    test_support::hostile::assert_survives("check-free-tier", || {
        let mut c = w.cmd(BIN);
        c.arg("--no-scan");
        c
    });
}
