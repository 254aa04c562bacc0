//! The live trap scan of check-free-tier: what in this account and region quietly
//! costs money, with dollars per month, in estimate-costs' words
//! (`cost_engine::traps::wording`). What this scan does not read is listed as not
//! checked: a trap that was not looked for is never reported as absent.

use crate::aws::Aws;
use aws_core::Result;
use cost_engine::traps::{Severity, wording};
use ec2_api::{Ec2, Filter};
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotChecked {
    pub id: &'static str,
    pub reason: &'static str,
}

#[derive(Debug, Default, Serialize)]
pub struct Scan {
    pub traps: Vec<LiveTrap>,
    pub not_checked: Vec<NotChecked>,
}

/// The traps estimate-costs knows that this scan does not read yet.
const NOT_CHECKED: [NotChecked; 4] = [
    NotChecked {
        id: "RDS_EXTENDED_SUPPORT",
        reason: "RDS is not read by this scan; estimate-costs checks engine versions in the Terraform",
    },
    NotChecked {
        id: "SECRETS_MANAGER",
        reason: "Secrets Manager is not read by this scan; cost-monitor shows its line",
    },
    NotChecked {
        id: "KMS_CUSTOMER_KEY",
        reason: "KMS is not read by this scan; cost-monitor shows its line",
    },
    NotChecked {
        id: "ALB_NO_HEALTHY_TARGETS",
        reason: "load balancer target health is not read by this scan",
    },
];

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

pub async fn scan(aws: &Aws, ec2: &Ec2, region: &str) -> Result<Scan> {
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
    out.not_checked = NOT_CHECKED.to_vec();
    Ok(out)
}
