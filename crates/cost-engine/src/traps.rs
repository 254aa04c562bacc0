//! Cost traps: what quietly costs money, each with an id, a severity, the dollars
//! at stake per month and the fix.

use crate::catalog::Catalog;
use crate::date::Date;
use crate::model::Stack;
use crate::pricing::{self, Line};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trap {
    pub id: &'static str,
    pub severity: Severity,
    pub address: String,
    /// Monthly dollars the fix would save (0 when it protects against future cost).
    pub monthly_at_stake: f64,
    pub message: String,
    pub fix: String,
}

/// Lines by resource address, built once, so the traps of n resources cost O(n)
/// (not O(n x lines)).
struct ByAddress<'a>(std::collections::HashMap<&'a str, Vec<&'a Line>>);

impl<'a> ByAddress<'a> {
    fn new(lines: &'a [Line]) -> Self {
        let mut m: std::collections::HashMap<&str, Vec<&Line>> = std::collections::HashMap::new();
        for l in lines {
            m.entry(l.address.as_str()).or_default().push(l);
        }
        ByAddress(m)
    }
}

fn sum(lines: &ByAddress, address: &str, pred: impl Fn(&Line) -> bool) -> f64 {
    lines
        .0
        .get(address)
        .into_iter()
        .flatten()
        .filter(|l| pred(l))
        .map(|l| l.monthly)
        .sum()
}

/// Dollar figures quoted in messages, from the catalog for the region in use (never a
/// literal that is wrong in another region).
struct Prices<'a> {
    catalog: &'a Catalog,
    region: &'a str,
}

impl Prices<'_> {
    /// `$0.005`, `$0.40`; "price unknown here" when the catalog has no such price.
    fn usd(&self, id: &str, times: f64) -> String {
        match self.catalog.price(id, self.region) {
            Ok(p) if p * times < 0.01 => format!("${}", p * times),
            Ok(p) => format!("${:.2}", p * times),
            Err(_) => format!("(no {} price in the catalog)", self.region),
        }
    }
}

/// The words of the traps both estimate-costs (in a plan) and check-free-tier (in the
/// live account) find: one definition, so both tools say the same thing. Each is
/// (message, fix).
pub mod wording {
    pub const NAT_GATEWAY: (&str, &str) = (
        "a NAT gateway bills every hour plus every GB it processes, plus its public IPv4",
        "put tasks in public subnets with assign_public_ip and a security group (ADR 0001), or use free S3/DynamoDB gateway endpoints",
    );
    pub const ELASTIC_IP_FIX: &str = "release it unless something needs a fixed address";
    pub const CONTAINER_INSIGHTS: (&str, &str) = (
        "Container Insights is billed as custom metrics plus performance-log ingestion",
        "turn it off (containerInsights = disabled); the free basic ECS metrics cover CPU and memory",
    );
    pub const LOG_RETENTION: (&str, &str) = (
        "logs never expire: storage grows every month",
        "retention_in_days = 7 for dev",
    );
    pub const RDS_EXTENDED_SUPPORT_FIX: &str =
        "upgrade to a major version in standard support (PostgreSQL 16 or 17, MySQL 8.4)";
    pub const KMS_CUSTOMER_KEY_FIX: &str =
        "use the AWS-managed keys (aws/ssm, aws/rds, aws/s3): no key fee";
    pub const SECRETS_MANAGER_FIX: &str =
        "store it as an SSM SecureString (parameter-store create --type SecureString)";
    /// Live accounts only: a plan cannot tell whether targets are healthy.
    pub const LOAD_BALANCER_IDLE: (&str, &str) = (
        "a load balancer with no healthy target bills every hour and serves nothing",
        "fix the targets' health check, or destroy the stack while it is idle",
    );
    pub const INTERFACE_ENDPOINT: (&str, &str) = (
        "an interface endpoint bills per AZ-hour and per GB",
        "public subnets need none; S3 and DynamoDB gateway endpoints are free",
    );
}

pub fn find(
    stack: &Stack,
    lines: &[Line],
    as_of: Date,
    catalog: &Catalog,
    region: &str,
) -> Vec<Trap> {
    let prices = Prices { catalog, region };
    let lines = &ByAddress::new(lines);
    let month = catalog.hours_per_month;
    let mut t = Vec::new();
    for r in &stack.resources {
        let a = r.address.clone();
        match r.rtype.as_str() {
            "aws_nat_gateway" => t.push(Trap {
                id: "NAT_GATEWAY",
                severity: Severity::High,
                // Its Elastic IP goes with it (priced on the aws_eip when configured).
                monthly_at_stake: sum(lines, &a, |_| true)
                    + if pricing::nat_eip_in_config(stack, r) {
                        catalog.price("vpc.public_ipv4.hour", region).unwrap_or(0.0) * month
                    } else {
                        0.0
                    },
                message: wording::NAT_GATEWAY.0.into(),
                fix: wording::NAT_GATEWAY.1.into(),
                address: a,
            }),
            "aws_eip" => t.push(Trap {
                id: "PUBLIC_IPV4",
                severity: Severity::Medium,
                monthly_at_stake: sum(lines, &a, |_| true),
                message: format!(
                    "an Elastic IP is billed {}/h whether attached or idle",
                    prices.usd("vpc.public_ipv4.hour", 1.0)
                ),
                fix: wording::ELASTIC_IP_FIX.into(),
                address: a,
            }),
            "aws_lb" | "aws_alb" => {
                let ips = sum(lines, &a, |l| l.price_id == "vpc.public_ipv4.hour");
                if ips > 0.0 {
                    t.push(Trap {
                        id: "PUBLIC_IPV4",
                        severity: Severity::Low,
                        monthly_at_stake: ips,
                        message: "an internet-facing load balancer holds one public IPv4 per AZ, billed 24x7 even at zero tasks".into(),
                        fix: "keep it to the two AZs an ALB requires; destroy the stack when idle".into(),
                        address: a.clone(),
                    });
                }
                if r.bool("enable_deletion_protection") == Some(true) {
                    t.push(Trap {
                        id: "ALB_DELETION_PROTECTION",
                        severity: Severity::Low,
                        monthly_at_stake: sum(lines, &a, |_| true),
                        message: "deletion protection blocks `terraform destroy` and clean-up, so an idle ALB keeps billing".into(),
                        fix: "leave enable_deletion_protection off in dev".into(),
                        address: a,
                    });
                }
            }
            "aws_ecs_service" => {
                let ip = sum(lines, &a, |l| l.price_id == "vpc.public_ipv4.hour");
                if ip > 0.0 {
                    t.push(Trap {
                        id: "PUBLIC_IPV4",
                        severity: Severity::Low,
                        monthly_at_stake: ip,
                        message: format!(
                            "each running task holds a public IPv4 ({}/month at 24x7); no free tier covers Fargate",
                            prices.usd("vpc.public_ipv4.hour", month)
                        ),
                        fix: format!(
                            "cheaper than a NAT gateway ({}+): keep it, and scale to zero off-hours",
                            prices.usd("vpc.nat_gateway.hour", month)
                        ),
                        address: a.clone(),
                    });
                }
                let compute = sum(lines, &a, |_| true);
                // A service that could not be priced has no dollar figure to show.
                if pricing::scheduled_actions(stack, r).is_empty() && compute > 0.0 {
                    t.push(Trap {
                        id: "NO_SCALE_TO_ZERO",
                        severity: Severity::Medium,
                        monthly_at_stake: compute * (1.0 - 50.0 / 168.0),
                        message: "the service runs 24x7: no scheduled scale-to-zero".into(),
                        fix: "add Application Auto Scaling scheduled actions (Mon-Fri 08:00-18:00 saves about 70 % of task cost)".into(),
                        address: a.clone(),
                    });
                }
                if let Some(td) = pricing::task_definition(stack, r) {
                    let (cpu, mem) = (td.num("cpu").unwrap_or(256.0), td.num("memory").unwrap_or(512.0));
                    let per_hour = |vcpu: f64, gb: f64| {
                        Some(vcpu * catalog.price("fargate.x86.vcpu_hour", region).ok()?
                            + gb * catalog.price("fargate.x86.gb_hour", region).ok()?)
                    };
                    if (cpu > 512.0 || mem > 2048.0)
                        && let (Some(small), Some(this)) =
                            (per_hour(0.25, 0.5), per_hour(cpu / 1024.0, mem / 1024.0))
                    {
                        let compute = sum(lines, &a, |l| l.price_id.starts_with("fargate."));
                        t.push(Trap {
                            id: "OVERSIZED_TASK",
                            severity: Severity::Low,
                            monthly_at_stake: compute * (1.0 - small / this),
                            message: format!("{cpu} CPU / {mem} MiB is large for a dev service"),
                            fix: "start at 256 CPU / 512 MiB and size up from CloudWatch CPU/memory metrics".into(),
                            address: a.clone(),
                        });
                    }
                }
            }
            "aws_appautoscaling_target" => {
                let ecs = r.str("service_namespace") == Some("ecs");
                // Not a trap when a scheduled action of the target itself lowers min to 0.
                let scheduled_zero = pricing::target_actions(stack, r).iter().any(|act| {
                    act.block("scalable_target_action")
                        .and_then(|b| b.get("min_capacity"))
                        .and_then(crate::model::as_f64)
                        == Some(0.0)
                });
                if ecs && !scheduled_zero && r.num("min_capacity").is_some_and(|m| m >= 1.0) {
                    t.push(Trap {
                        id: "AUTOSCALING_MIN_BLOCKS_ZERO",
                        severity: Severity::Medium,
                        monthly_at_stake: 0.0,
                        message: "min_capacity >= 1 keeps at least one task running: scale-to-zero (scheduled or ecs-scale) is undone".into(),
                        fix: "set min_capacity = 0 and let scheduled actions raise it during working hours".into(),
                        address: a,
                    });
                }
            }
            "aws_ecs_cluster" => {
                let metrics = sum(lines, &a, |_| true);
                if metrics > 0.0 {
                    t.push(Trap {
                        id: "CONTAINER_INSIGHTS",
                        severity: Severity::Medium,
                        monthly_at_stake: metrics,
                        message: wording::CONTAINER_INSIGHTS.0.into(),
                        fix: wording::CONTAINER_INSIGHTS.1.into(),
                        address: a,
                    });
                }
            }
            "aws_db_instance" => {
                let es = sum(lines, &a, |l| l.price_id.starts_with("rds.extended_support."));
                if es > 0.0 {
                    t.push(Trap {
                        id: "RDS_EXTENDED_SUPPORT",
                        severity: Severity::High,
                        monthly_at_stake: es,
                        message: format!(
                            "{} {} is past RDS standard support (as of {as_of}): Extended Support is billed per vCPU-hour, twice as much from its third year",
                            r.str("engine").unwrap_or("?"),
                            r.str("engine_version").unwrap_or("?")
                        ),
                        fix: wording::RDS_EXTENDED_SUPPORT_FIX.into(),
                        address: a.clone(),
                    });
                }
                if r.bool("multi_az") == Some(true) {
                    t.push(Trap {
                        id: "RDS_MULTI_AZ",
                        severity: Severity::Medium,
                        monthly_at_stake: sum(lines, &a, |l| l.price_id.starts_with("rds.")) / 2.0,
                        message: "Multi-AZ doubles instance and storage cost".into(),
                        fix: "single-AZ for dev; Multi-AZ only where downtime costs more".into(),
                        address: a,
                    });
                }
            }
            "aws_kms_key" => t.push(Trap {
                id: "KMS_CUSTOMER_KEY",
                severity: Severity::Low,
                monthly_at_stake: sum(lines, &a, |_| true),
                message: format!(
                    "a customer-managed KMS key costs {}/month plus {} per 10,000 requests",
                    prices.usd("kms.customer_key.month", 1.0),
                    prices.usd("kms.request.10k", 1.0)
                ),
                fix: wording::KMS_CUSTOMER_KEY_FIX.into(),
                address: a,
            }),
            "aws_secretsmanager_secret" => t.push(Trap {
                id: "SECRETS_MANAGER",
                severity: Severity::Low,
                monthly_at_stake: sum(lines, &a, |_| true),
                message: format!(
                    "Secrets Manager costs {} per secret-month where SSM Parameter Store would be free",
                    prices.usd("secretsmanager.secret.month", 1.0)
                ),
                fix: wording::SECRETS_MANAGER_FIX.into(),
                address: a,
            }),
            "aws_db_instance_automated_backups_replication" => {}
            "aws_cloudwatch_log_group" => {
                let days = pricing::retention_days(r);
                if days.is_none_or(|d| d > 7.0) {
                    t.push(Trap {
                        id: "LOG_RETENTION",
                        severity: if days.is_none() { Severity::Medium } else { Severity::Low },
                        monthly_at_stake: sum(lines, &a, |l| l.price_id == "cloudwatch.logs.storage.gb_month"),
                        message: match days {
                            None => wording::LOG_RETENTION.0.into(),
                            Some(d) => format!("logs are kept {d} days"),
                        },
                        fix: wording::LOG_RETENTION.1.into(),
                        address: a,
                    });
                }
            }
            "aws_ecr_repository" => {
                let name = r.str("name").unwrap_or("");
                let has_policy = stack.of_type("aws_ecr_lifecycle_policy").any(|p| {
                    p.module == r.module
                        && (p.str("repository") == Some(name)
                            || p.unknown.get("repository").is_some_and(|e| e.contains(&format!("aws_ecr_repository.{}", r.name))))
                });
                if !has_policy {
                    t.push(Trap {
                        id: "ECR_NO_LIFECYCLE",
                        severity: Severity::Low,
                        monthly_at_stake: 0.0,
                        message: format!(
                            "no lifecycle policy: every pushed image is kept and billed at {}/GB-month",
                            prices.usd("ecr.storage.gb_month", 1.0)
                        ),
                        fix: "add an aws_ecr_lifecycle_policy (expire untagged, keep the newest N)".into(),
                        address: a,
                    });
                }
            }
            "aws_vpc_endpoint" => {
                let cost = sum(lines, &a, |_| true);
                if cost > 0.0 {
                    t.push(Trap {
                        id: "INTERFACE_ENDPOINT",
                        severity: Severity::Medium,
                        monthly_at_stake: cost,
                        message: wording::INTERFACE_ENDPOINT.0.into(),
                        fix: wording::INTERFACE_ENDPOINT.1.into(),
                        address: a,
                    });
                }
            }
            "aws_ssm_parameter" if r.str("tier") == Some("Advanced") => t.push(Trap {
                id: "SSM_ADVANCED",
                severity: Severity::Low,
                monthly_at_stake: sum(lines, &a, |_| true),
                message: format!(
                    "advanced parameters cost {}/month each; standard ones are free",
                    prices.usd("ssm.advanced_parameter.month", 1.0)
                ),
                fix: "use the standard tier unless the value exceeds 4 KB".into(),
                address: a,
            }),
            _ => {}
        }
    }
    t.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(b.monthly_at_stake.total_cmp(&a.monthly_at_stake))
    });
    t
}
