//! The bill against the estimate: last month's Cost Explorer usage (grouped by SERVICE
//! and USAGE_TYPE) matched line by line to an [`Estimate`], and the quantities the
//! bill measured turned into usage keys (`usage.toml`) for the next estimate.
//!
//! Usage types are AWS's billing codes: `USE1-Fargate-GB-Hours`, `DataTransfer-Out-Bytes`.
//! The leading region code (`USE1-`, `EUC1-`; none for some us-east-1 codes) varies
//! by region, so rules match what follows it. A row no rule knows is shown as billed
//! and not matched, never dropped or guessed; a quantity in an unexpected unit is not
//! measured (fail closed).

use crate::pricing::Line;
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of the bill: a month's usage of one usage type.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct BilledRow {
    /// Cost Explorer's SERVICE value, e.g. `AmazonCloudWatch`.
    pub service: String,
    pub usage_type: String,
    pub usd: f64,
    pub quantity: f64,
    /// Cost Explorer's unit of `quantity` (`GB`, `Hrs`, `Requests`, `GB-Mo`, …).
    pub unit: String,
}

/// How a matched quantity becomes a usage key.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Measure {
    /// A monthly total (GB, requests): scaled to the estimate's month, divided by `per`.
    Total { per: f64 },
    /// A per-hour average (LCU-hours / hours of the month).
    Hourly,
}

/// A family of usage types: which estimate lines price it, and the usage key its
/// quantity measures (if any).
struct Rule {
    /// What the comparison calls the line.
    name: &'static str,
    /// Cost Explorer SERVICE the usage type must be billed under (`None`: any).
    service: Option<&'static str>,
    /// The usage type, without its region code, ends with this.
    ends_with: &'static [&'static str],
    /// Estimate lines whose catalog price id starts with one of these.
    prices: &'static [&'static str],
    /// The usage key, the unit Cost Explorer must report, and the conversion.
    key: Option<(&'static str, &'static str, Measure)>,
}

const CLOUDWATCH: Option<&str> = Some("AmazonCloudWatch");

/// The rules, most specific first (Fargate's ephemeral storage before its memory).
/// Usage type names as AWS's price list files spell them (the `usagetype` attribute,
/// https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/price-changes.html) and
/// as Cost Explorer groups them (https://docs.aws.amazon.com/cost-management/latest/userguide/ce-filtering.html).
const RULES: &[Rule] = &[
    Rule {
        name: "Fargate ephemeral storage",
        service: Some("Amazon Elastic Container Service"),
        ends_with: &["Fargate-EphemeralStorage-GB-Hours"],
        prices: &["fargate.ephemeral."],
        key: None,
    },
    Rule {
        name: "Fargate vCPU",
        service: Some("Amazon Elastic Container Service"),
        ends_with: &["vCPU-Hours:perCPU"],
        prices: &["fargate.x86.vcpu_hour", "fargate.arm.vcpu_hour"],
        key: None,
    },
    Rule {
        name: "Fargate memory",
        service: Some("Amazon Elastic Container Service"),
        ends_with: &["GB-Hours"],
        prices: &["fargate.x86.gb_hour", "fargate.arm.gb_hour"],
        key: None,
    },
    Rule {
        name: "public IPv4 addresses",
        service: None,
        ends_with: &["PublicIPv4:InUseAddress", "PublicIPv4:IdleAddress"],
        prices: &["vpc.public_ipv4."],
        key: None,
    },
    Rule {
        name: "NAT gateway hours",
        service: None,
        ends_with: &["NatGateway-Hours"],
        prices: &["vpc.nat_gateway.hour"],
        key: None,
    },
    Rule {
        name: "NAT gateway data",
        service: None,
        ends_with: &["NatGateway-Bytes"],
        prices: &["vpc.nat_gateway.gb"],
        key: Some(("nat_processed_gb", "GB", Measure::Total { per: 1.0 })),
    },
    Rule {
        name: "VPC endpoint hours",
        service: None,
        ends_with: &["VpcEndpoint-Hours"],
        prices: &["vpc.interface_endpoint.az_hour"],
        key: None,
    },
    Rule {
        name: "VPC endpoint data",
        service: None,
        ends_with: &["VpcEndpoint-Bytes"],
        prices: &["vpc.interface_endpoint.gb"],
        key: Some(("endpoint_processed_gb", "GB", Measure::Total { per: 1.0 })),
    },
    Rule {
        name: "data transfer out",
        service: None,
        ends_with: &["DataTransfer-Out-Bytes"],
        prices: &["data_transfer.out."],
        key: Some(("data_transfer_out_gb", "GB", Measure::Total { per: 1.0 })),
    },
    Rule {
        name: "load balancer hours",
        service: Some("Amazon Elastic Load Balancing"),
        ends_with: &["LoadBalancerUsage"],
        prices: &["elb.alb.hour", "elb.nlb.hour"],
        key: None,
    },
    Rule {
        name: "ALB LCUs",
        service: Some("Amazon Elastic Load Balancing"),
        ends_with: &["-LCUUsage"],
        prices: &["elb.alb.lcu_hour"],
        key: Some(("alb_lcu", "LCU-Hrs", Measure::Hourly)),
    },
    Rule {
        name: "log ingestion",
        service: CLOUDWATCH,
        ends_with: &["DataProcessing-Bytes"],
        prices: &["cloudwatch.logs.ingest."],
        key: Some(("log_ingest_gb", "GB", Measure::Total { per: 1.0 })),
    },
    Rule {
        name: "log storage",
        service: CLOUDWATCH,
        ends_with: &["TimedStorage-ByteHrs"],
        prices: &["cloudwatch.logs.storage."],
        key: None,
    },
    Rule {
        name: "CloudWatch metrics",
        service: CLOUDWATCH,
        ends_with: &["CW:MetricMonitorUsage"],
        prices: &["cloudwatch.metric."],
        key: None,
    },
    Rule {
        name: "CloudWatch alarms",
        service: CLOUDWATCH,
        ends_with: &["CW:AlarmMonitorUsage"],
        prices: &["cloudwatch.alarm."],
        key: None,
    },
    Rule {
        name: "ECR storage",
        service: Some("Amazon EC2 Container Registry (ECR)"),
        ends_with: &["TimedStorage-ByteHrs"],
        prices: &["ecr.storage."],
        key: Some(("ecr_storage_gb", "GB-Mo", Measure::Total { per: 1.0 })),
    },
    Rule {
        name: "S3 storage",
        service: Some("Amazon Simple Storage Service"),
        ends_with: &["TimedStorage-ByteHrs"],
        prices: &["s3.standard."],
        key: Some(("s3_storage_gb", "GB-Mo", Measure::Total { per: 1.0 })),
    },
    Rule {
        name: "DynamoDB storage",
        service: Some("Amazon DynamoDB"),
        ends_with: &["TimedStorage-ByteHrs"],
        prices: &["dynamodb.storage."],
        key: Some(("dynamodb_storage_gb", "GB-Mo", Measure::Total { per: 1.0 })),
    },
    Rule {
        name: "HTTP API requests",
        service: Some("Amazon API Gateway"),
        ends_with: &["ApiGatewayHttpRequest"],
        prices: &["apigateway.http."],
        key: Some((
            "http_api_requests_million",
            "Requests",
            Measure::Total { per: 1e6 },
        )),
    },
    Rule {
        name: "REST API requests",
        service: Some("Amazon API Gateway"),
        ends_with: &["ApiGatewayRequest"],
        prices: &["apigateway.rest."],
        key: Some((
            "rest_api_requests_million",
            "Requests",
            Measure::Total { per: 1e6 },
        )),
    },
    Rule {
        name: "Lambda requests",
        service: Some("AWS Lambda"),
        ends_with: &["Request", "Request-ARM"],
        prices: &["lambda.request."],
        key: Some((
            "lambda_requests_million",
            "Requests",
            Measure::Total { per: 1e6 },
        )),
    },
    Rule {
        name: "Lambda duration",
        service: Some("AWS Lambda"),
        ends_with: &["Lambda-GB-Second", "Lambda-GB-Second-ARM"],
        prices: &["lambda.x86.", "lambda.arm."],
        key: None,
    },
    Rule {
        name: "RDS instances",
        service: Some("Amazon Relational Database Service"),
        ends_with: &[],
        prices: &["rds.postgres.", "rds.extended_support."],
        key: None,
    },
    // Services whose usage types we compare as a whole (every row of the service).
    Rule {
        name: "Cloud Map",
        service: Some("AWS Cloud Map"),
        ends_with: &[],
        prices: &["cloudmap."],
        key: None,
    },
    Rule {
        name: "Route 53",
        service: Some("Amazon Route 53"),
        ends_with: &[],
        prices: &["route53."],
        key: None,
    },
    Rule {
        name: "Secrets Manager secrets",
        service: Some("AWS Secrets Manager"),
        ends_with: &["AWSSecretsManager-Secrets"],
        prices: &["secretsmanager."],
        key: None,
    },
    Rule {
        name: "KMS keys",
        service: Some("AWS Key Management Service"),
        ends_with: &["KMS-Keys"],
        prices: &["kms.customer_key."],
        key: None,
    },
];

/// The usage type without its region code: `USE1-Fargate-GB-Hours` → `Fargate-GB-Hours`,
/// `EUC1-CW:MetricMonitorUsage` → `CW:MetricMonitorUsage`; `DataTransfer-Out-Bytes` stays.
pub fn without_region(usage_type: &str) -> &str {
    match usage_type.split_once('-') {
        Some((code, rest))
            if (2..=5).contains(&code.len())
                && code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && code.starts_with(|c: char| c.is_ascii_uppercase()) =>
        {
            rest
        }
        _ => usage_type,
    }
}

fn rule_of(row: &BilledRow) -> Option<&'static Rule> {
    let bare = without_region(&row.usage_type);
    RULES.iter().find(|r| {
        r.service.is_none_or(|s| s == row.service)
            && ((r.ends_with.is_empty() && r.service.is_some())
                || r.ends_with
                    .iter()
                    .any(|e| bare == e.trim_start_matches('-') || bare.ends_with(e)))
    })
}

/// One line of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineDiff {
    pub line: String,
    /// Last month's cost, scaled to the estimate's month (730 hours).
    pub billed_usd: f64,
    /// The estimate's gross monthly cost of the same thing.
    pub estimate_usd: f64,
    /// billed - estimate.
    pub delta_usd: f64,
    pub usage_types: Vec<String>,
}

/// What the bill measured for one usage key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measured {
    pub key: String,
    pub value: f64,
    pub usage_types: Vec<String>,
}

/// A billed row no rule matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmatched {
    pub service: String,
    pub usage_type: String,
    pub billed_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciliation {
    /// Hours of the billed month (a 31-day month is 744); both money and quantities
    /// are scaled by `hours_per_month / month_hours` to compare with the estimate.
    pub month_hours: f64,
    pub lines: Vec<LineDiff>,
    /// Billed usage the estimate has no line for.
    pub unmatched: Vec<Unmatched>,
    /// Estimate lines the bill has no usage for, by catalog price id.
    pub not_billed: Vec<(String, f64)>,
    pub measured: Vec<Measured>,
    /// Quantities left out, and why (an unexpected unit).
    pub notes: Vec<String>,
    pub billed_total_usd: f64,
    pub estimate_total_usd: f64,
}

/// Compare `rows` (one month of `month_hours`) with an estimate's priced `lines`
/// (gross, a month of `hours_per_month`), line by line.
pub fn reconcile(
    priced: &[Line],
    rows: &[BilledRow],
    month_hours: f64,
    hours_per_month: f64,
) -> Reconciliation {
    let scale = if month_hours > 0.0 {
        hours_per_month / month_hours
    } else {
        1.0
    };
    let mut lines: BTreeMap<&str, LineDiff> = BTreeMap::new();
    let mut measured: BTreeMap<&str, Measured> = BTreeMap::new();
    let mut unmatched = Vec::new();
    let mut notes = Vec::new();
    for row in rows {
        let Some(rule) = rule_of(row) else {
            unmatched.push(Unmatched {
                service: row.service.clone(),
                usage_type: row.usage_type.clone(),
                billed_usd: row.usd * scale,
            });
            continue;
        };
        let l = lines.entry(rule.name).or_insert_with(|| LineDiff {
            line: rule.name.into(),
            billed_usd: 0.0,
            estimate_usd: 0.0,
            delta_usd: 0.0,
            usage_types: Vec::new(),
        });
        l.billed_usd += row.usd * scale;
        if !l.usage_types.contains(&row.usage_type) {
            l.usage_types.push(row.usage_type.clone());
        }
        let Some((key, unit, how)) = rule.key else {
            continue;
        };
        if row.unit != unit {
            notes.push(format!(
                "{} is reported in {:?}, not {unit}: not measured for {key}",
                row.usage_type, row.unit
            ));
            continue;
        }
        let value = match how {
            Measure::Total { per } => row.quantity * scale / per,
            Measure::Hourly => row.quantity / month_hours.max(1.0),
        };
        let m = measured.entry(key).or_insert_with(|| Measured {
            key: key.into(),
            value: 0.0,
            usage_types: Vec::new(),
        });
        m.value += value;
        m.usage_types.push(row.usage_type.clone());
    }
    let mut not_billed = Vec::new();
    for el in priced {
        let id = el.price_id.as_str();
        let rule = RULES
            .iter()
            .find(|r| r.prices.iter().any(|p| id.starts_with(p)));
        match rule.and_then(|r| lines.get_mut(r.name)) {
            Some(l) => l.estimate_usd += el.monthly,
            None if el.monthly > 0.0 => match rule {
                // Priced, and nothing of it on the bill: a line of its own at $0 billed.
                Some(r) => {
                    lines.insert(
                        r.name,
                        LineDiff {
                            line: r.name.into(),
                            billed_usd: 0.0,
                            estimate_usd: el.monthly,
                            delta_usd: 0.0,
                            usage_types: Vec::new(),
                        },
                    );
                }
                None => not_billed.push((id.to_string(), el.monthly)),
            },
            None => {}
        }
    }
    // A line neither billed nor estimated (a free function's requests) is noise.
    let mut lines: Vec<LineDiff> = lines
        .into_values()
        .filter(|l| l.billed_usd.abs() >= 0.005 || l.estimate_usd.abs() >= 0.005)
        .collect();
    for l in &mut lines {
        l.delta_usd = l.billed_usd - l.estimate_usd;
    }
    lines.sort_by(|a, b| b.delta_usd.abs().total_cmp(&a.delta_usd.abs()));
    let billed_total_usd = lines.iter().map(|l| l.billed_usd).sum::<f64>()
        + unmatched.iter().map(|u| u.billed_usd).sum::<f64>();
    Reconciliation {
        month_hours,
        billed_total_usd,
        estimate_total_usd: priced.iter().map(|l| l.monthly).sum::<f64>() + 0.0,
        lines,
        unmatched,
        not_billed,
        measured: measured.into_values().collect(),
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(service: &str, usage_type: &str, usd: f64, quantity: f64, unit: &str) -> BilledRow {
        BilledRow {
            service: service.into(),
            usage_type: usage_type.into(),
            usd,
            quantity,
            unit: unit.into(),
        }
    }

    #[test]
    fn region_codes_are_cut_and_names_are_not() {
        assert_eq!(without_region("USE1-Fargate-GB-Hours"), "Fargate-GB-Hours");
        assert_eq!(
            without_region("EUC1-CW:MetricMonitorUsage"),
            "CW:MetricMonitorUsage"
        );
        assert_eq!(
            without_region("EU-DataProcessing-Bytes"),
            "DataProcessing-Bytes"
        );
        assert_eq!(
            without_region("DataTransfer-Out-Bytes"),
            "DataTransfer-Out-Bytes"
        );
        assert_eq!(without_region("Request"), "Request");
        assert_eq!(without_region("APS2-Request-ARM"), "Request-ARM");
    }

    #[test]
    fn rules_know_the_service_and_the_most_specific_family() {
        let ecs = "Amazon Elastic Container Service";
        let name = |s: &str, u: &str| rule_of(&row(s, u, 0.0, 0.0, "")).map(|r| r.name);
        assert_eq!(
            name(ecs, "USE1-Fargate-EphemeralStorage-GB-Hours"),
            Some("Fargate ephemeral storage")
        );
        assert_eq!(name(ecs, "USE1-Fargate-GB-Hours"), Some("Fargate memory"));
        assert_eq!(
            name(ecs, "USE1-Fargate-ARM-vCPU-Hours:perCPU"),
            Some("Fargate vCPU")
        );
        // The same usage type under another service is another thing.
        assert_eq!(
            name(
                "Amazon EC2 Container Registry (ECR)",
                "USE1-TimedStorage-ByteHrs"
            ),
            Some("ECR storage")
        );
        assert_eq!(
            name("AmazonCloudWatch", "USE1-TimedStorage-ByteHrs"),
            Some("log storage")
        );
        assert_eq!(name("Amazon Foo", "USE1-TimedStorage-ByteHrs"), None);
        // ApiGatewayRequest is not ApiGatewayHttpRequest, nor is NLCUUsage an ALB LCU.
        assert_eq!(
            name("Amazon API Gateway", "USE1-ApiGatewayRequest"),
            Some("REST API requests")
        );
        assert_eq!(
            name("Amazon Elastic Load Balancing", "USE1-NLCUUsage"),
            None
        );
        assert_eq!(
            name("Amazon Elastic Load Balancing", "USE1-LCUUsage"),
            Some("ALB LCUs")
        );
        assert_eq!(name("AWS Lambda", "Request"), Some("Lambda requests"));
    }

    fn priced(lines: &[(&str, f64)]) -> Vec<Line> {
        lines
            .iter()
            .map(|(id, usd)| Line {
                address: "x".into(),
                module: String::new(),
                rtype: "t".into(),
                component: "c".into(),
                quantity: 1.0,
                unit: "u".into(),
                price_id: (*id).into(),
                unit_price: *usd,
                monthly: *usd,
                explain: String::new(),
            })
            .collect()
    }

    #[test]
    fn the_bill_is_scaled_to_the_estimates_month_and_measures_usage() {
        let est = priced(&[
            ("fargate.arm.vcpu_hour", 2.0),
            ("apigateway.http.million_requests", 0.10),
            ("cloudwatch.logs.ingest.gb", 0.25),
            ("route53.hosted_zone.month", 0.50),
            ("ssm.advanced_parameter.month", 0.05),
            ("lambda.request.million", 0.0),
        ]);
        // A 31-day month: 744 hours, scaled by 730/744.
        let rows = [
            row(
                "Amazon Elastic Container Service",
                "USE1-Fargate-ARM-vCPU-Hours:perCPU",
                2.976,
                92.0,
                "Hrs",
            ),
            row(
                "Amazon API Gateway",
                "USE1-ApiGatewayHttpRequest",
                7.44,
                7_440_000.0,
                "Requests",
            ),
            row(
                "AmazonCloudWatch",
                "USE1-DataProcessing-Bytes",
                0.0,
                2.0,
                "Gigabytes",
            ),
            row("Amazon Foo", "USE1-Bar", 0.744, 744.0, "Count"),
        ];
        let r = reconcile(&est, &rows, 744.0, 730.0);
        let line = |n: &str| r.lines.iter().find(|l| l.line == n).expect(n).clone();
        let cpu = line("Fargate vCPU");
        assert!((cpu.billed_usd - 2.92).abs() < 1e-9, "{cpu:?}");
        assert!((cpu.delta_usd - 0.92).abs() < 1e-9);
        let http = line("HTTP API requests");
        assert!((http.billed_usd - 7.30).abs() < 1e-9);
        assert!((http.delta_usd - 7.20).abs() < 1e-9);
        // The biggest difference first.
        assert_eq!(r.lines[0].line, "HTTP API requests");
        let m = &r.measured;
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].key, "http_api_requests_million");
        assert!((m[0].value - 7.3).abs() < 1e-9);
        // A unit we did not expect is not measured, and says so.
        assert!(r.notes[0].contains("Gigabytes"), "{:?}", r.notes);
        assert_eq!(r.unmatched.len(), 1);
        assert!((r.unmatched[0].billed_usd - 0.73).abs() < 1e-9);
        assert_eq!(
            r.not_billed,
            vec![("ssm.advanced_parameter.month".to_string(), 0.05)]
        );
        // Priced and absent from the bill: a line billed at $0.
        let logs = line("log ingestion");
        assert_eq!(logs.billed_usd, 0.0);
        let dns = line("Route 53");
        assert_eq!((dns.billed_usd, dns.estimate_usd), (0.0, 0.5));
        assert!(
            r.lines.iter().all(|l| l.line != "Lambda requests"),
            "neither billed nor estimated: not a line"
        );
        assert!((r.billed_total_usd - (2.92 + 7.30 + 0.73)).abs() < 1e-9);
    }
}
