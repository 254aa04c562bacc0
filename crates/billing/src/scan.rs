//! The live trap scan of check-free-tier: what in this account and region quietly
//! costs money, with dollars per month, in estimate-costs' words
//! (`cost_engine::traps::wording`). What this scan does not read is listed as not
//! checked: a trap that was not looked for is never reported as absent.

use crate::aws::Aws;
use aws_core::Result;
use aws_lite::ec2::{Ec2, Filter};
use cost_engine::traps::{Severity, wording};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveTrap {
    pub id: &'static str,
    pub severity: Severity,
    pub resource: String,
    /// What it costs per month now; `None` when it depends on use (`unpriced` says why).
    pub monthly_usd: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unpriced: Option<String>,
    pub message: String,
    pub fix: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Scan {
    pub traps: Vec<LiveTrap>,
}

struct Prices {
    catalog: pricing::catalog::Catalog,
    region: String,
}

impl Prices {
    fn per_month(&self, id: &str, quantity: f64) -> Option<f64> {
        self.catalog
            .price(id, &self.region)
            .ok()
            .map(|p| p * quantity)
    }
    fn hourly(&self, id: &str, quantity: f64) -> Option<f64> {
        self.per_month(id, quantity * self.catalog.hours_per_month)
    }
}

fn trap(
    id: &'static str,
    severity: Severity,
    resource: String,
    cost: Option<f64>,
    why_unpriced: &str,
    text: (&str, &str),
) -> LiveTrap {
    LiveTrap {
        id,
        severity,
        resource,
        unpriced: cost.is_none().then(|| why_unpriced.to_string()),
        monthly_usd: cost,
        message: text.0.to_string(),
        fix: text.1.to_string(),
    }
}

/// The clients of the services the scan reads besides the SDK ones.
pub struct Readers<'a> {
    pub sdk: &'a aws_core::SdkConfig,
    pub ec2: &'a Ec2,
}

pub async fn scan(
    aws: &Aws,
    readers: &Readers<'_>,
    region: &str,
    today: jiff::civil::Date,
) -> Result<Scan> {
    let ec2 = readers.ec2;
    let p = Prices {
        catalog: pricing::catalog::Catalog::builtin(),
        region: region.to_string(),
    };
    let no_price = "no price for this region in the catalog";
    let mut out = Scan::default();

    for nat in ec2
        .describe_nat_gateways(&[Filter::new("state", &["available", "pending"])])
        .await?
    {
        out.traps.push(trap(
            "NAT_GATEWAY",
            Severity::High,
            nat.id,
            p.hourly("vpc.nat_gateway.hour", 1.0),
            no_price,
            wording::NAT_GATEWAY,
        ));
    }

    // Every public IPv4 is billed, idle or attached: Elastic IPs and the addresses AWS
    // assigns to interfaces (tasks, load balancers), each counted once.
    let mut ips: BTreeMap<String, String> = BTreeMap::new();
    for a in ec2.describe_addresses(&[]).await? {
        let what = match (&a.association_id, &a.network_interface_id) {
            (None, None) => format!("idle Elastic IP {} ({})", a.public_ip, a.allocation_id),
            (_, Some(eni)) => format!("Elastic IP {} on {eni}", a.public_ip),
            (Some(_), None) => format!("Elastic IP {} (associated)", a.public_ip),
        };
        ips.insert(a.public_ip, what);
    }
    for n in ec2.describe_network_interfaces(&[]).await? {
        if let Some(ip) = n.public_ip {
            ips.entry(ip.clone()).or_insert_with(|| {
                let owner = if n.description.is_empty() {
                    n.interface_type.clone()
                } else {
                    n.description.clone()
                };
                format!("public IPv4 {ip} of {} ({owner})", n.id)
            });
        }
    }
    for (_, what) in ips {
        let message = format!(
            "a public IPv4 address is billed {}/h whether attached or idle",
            p.per_month("vpc.public_ipv4.hour", 1.0)
                .map_or("by the hour".into(), cost_engine::estimate::usd)
        );
        out.traps.push(LiveTrap {
            id: "PUBLIC_IPV4",
            severity: if what.starts_with("idle") {
                Severity::High
            } else {
                Severity::Low
            },
            resource: what,
            monthly_usd: p.hourly("vpc.public_ipv4.hour", 1.0),
            unpriced: None,
            message,
            fix: wording::ELASTIC_IP_FIX.to_string(),
        });
    }

    for e in ec2
        .describe_vpc_endpoints(&[Filter::new("vpc-endpoint-type", &["Interface"])])
        .await?
    {
        if e.state == "deleted" || e.state == "deleting" {
            continue;
        }
        out.traps.push(trap(
            "INTERFACE_ENDPOINT",
            Severity::Medium,
            format!("{} ({}, {} AZ)", e.id, e.service_name, e.subnets),
            p.hourly("vpc.interface_endpoint.az_hour", e.subnets.max(1) as f64),
            no_price,
            wording::INTERFACE_ENDPOINT,
        ));
    }

    for c in aws.cluster_insights().await? {
        if matches!(c.setting.as_deref(), Some("enabled" | "enhanced")) {
            out.traps.push(trap(
                "CONTAINER_INSIGHTS",
                Severity::Medium,
                format!("cluster {} ({})", c.name, c.setting.unwrap_or_default()),
                None,
                "billed per metric and per GB of performance logs: see the AmazonCloudWatch line of cost-monitor",
                wording::CONTAINER_INSIGHTS,
            ));
        }
    }
    if let Some(v) = aws.insights_default().await?
        && (v == "enabled" || v == "enhanced")
    {
        out.traps.push(trap(
            "CONTAINER_INSIGHTS",
            Severity::Low,
            format!("account default for new clusters ({v})"),
            None,
            "no cost until a cluster is created",
            wording::CONTAINER_INSIGHTS,
        ));
    }

    for (name, bytes) in aws.log_groups_without_retention().await? {
        let cost =
            bytes.and_then(|b| p.per_month("cloudwatch.logs.storage.gb_month", b as f64 / 1e9));
        out.traps.push(trap(
            "LOG_RETENTION",
            Severity::Medium,
            name,
            cost,
            "stored bytes unknown",
            wording::LOG_RETENTION,
        ));
    }
    rds_extended_support(&mut out, readers, &p, today).await?;
    idle_load_balancers(&mut out, readers, &p).await?;

    for name in aws_lite::json::secret_names(readers.sdk).await? {
        out.traps.push(trap(
            "SECRETS_MANAGER",
            Severity::Low,
            format!("secret {name}"),
            p.per_month("secretsmanager.secret.month", 1.0),
            "no price for this region in the catalog",
            (
                "Secrets Manager bills every secret every month where SSM Parameter Store would be free",
                wording::SECRETS_MANAGER_FIX,
            ),
        ));
    }
    for (id, state) in aws_lite::json::customer_keys(readers.sdk).await? {
        out.traps.push(trap(
            "KMS_CUSTOMER_KEY",
            Severity::Low,
            format!("key {id} ({state})"),
            p.per_month("kms.customer_key.month", 1.0),
            "no price for this region in the catalog",
            (
                "a customer-managed KMS key bills every month, plus its requests",
                wording::KMS_CUSTOMER_KEY_FIX,
            ),
        ));
    }
    Ok(out)
}

/// Instances whose engine version is past standard support: billed per vCPU-hour on top
/// of the instance, at the year-3 rate two years after the end.
async fn rds_extended_support(
    out: &mut Scan,
    readers: &Readers<'_>,
    p: &Prices,
    today: jiff::civil::Date,
) -> Result<()> {
    let rds = aws_lite::rds::Rds::new(readers.sdk)?;
    let Ok(as_of) = cost_engine::date::parse(&today.to_string()) else {
        return Ok(());
    };
    for db in rds.db_instances().await? {
        if db.lifecycle_support.as_deref() == Some("open-source-rds-extended-support-disabled") {
            continue; // AWS upgrades it at the end of standard support instead
        }
        let Some((label, end)) =
            cost_engine::pricing::standard_support_end(&db.engine, &db.engine_version)
        else {
            continue;
        };
        if as_of <= end {
            continue;
        }
        let year3 = as_of > cost_engine::date::add_months(end, 24);
        let price = if year3 {
            "rds.extended_support.y3.vcpu_hour"
        } else {
            "rds.extended_support.vcpu_hour"
        };
        let (cost, unpriced) = match cost_engine::pricing::vcpus(&db.class) {
            Some(v) => (p.hourly(price, v), None),
            None => (
                None,
                Some(format!("the vCPUs of {} are not known", db.class)),
            ),
        };
        out.traps.push(LiveTrap {
            id: "RDS_EXTENDED_SUPPORT",
            severity: Severity::High,
            resource: format!("{} ({label} on {})", db.id, db.class),
            unpriced: unpriced.or_else(|| cost.is_none().then(|| "no price for this region in the catalog".into())),
            monthly_usd: cost,
            message: format!("{label} is past RDS standard support (ended {end}): Extended Support is billed per vCPU-hour"),
            fix: wording::RDS_EXTENDED_SUPPORT_FIX.into(),
        });
    }
    Ok(())
}

/// Application and network load balancers none of whose targets is healthy.
async fn idle_load_balancers(out: &mut Scan, readers: &Readers<'_>, p: &Prices) -> Result<()> {
    let elb = aws_lite::elbv2::Elbv2::new(readers.sdk)?;
    for lb in elb.load_balancers().await? {
        if lb.state != "active" && lb.state != "active_impaired" {
            continue;
        }
        let mut healthy = 0;
        let mut targets = 0;
        for tg in elb.target_groups(&lb.arn).await? {
            let states = elb.target_states(&tg).await?;
            targets += states.len();
            healthy += states.iter().filter(|s| *s == "healthy").count();
        }
        if healthy > 0 {
            continue;
        }
        let price = if lb.kind == "network" {
            "elb.nlb.hour"
        } else {
            "elb.alb.hour"
        };
        out.traps.push(trap(
            "LOAD_BALANCER_IDLE",
            Severity::High,
            format!(
                "{} load balancer {} ({targets} targets, none healthy)",
                lb.kind, lb.name
            ),
            p.hourly(price, 1.0),
            "no price for this region in the catalog",
            wording::LOAD_BALANCER_IDLE,
        ));
    }
    Ok(())
}
