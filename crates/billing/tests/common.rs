//! Shared by the billing tools' tests: moto for STS, Budgets, EC2, ECS and Logs; a
//! scripted endpoint for Cost Explorer (to count and read every billed request) and the
//! Free Tier API (which moto lacks).

#![allow(dead_code, clippy::unwrap_used)]

use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::{Value, json};
use test_support::Moto;
use test_support::scripted::{Reply, Scripted};

pub fn today() -> Date {
    jiff::tz::Offset::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

pub fn days_ago(n: i64) -> Date {
    today().checked_sub(n.days()).unwrap()
}

/// A GetCostAndUsage answer: `(day, service, record type, usd)` rows grouped per day.
pub fn cost_answer(rows: &[(Date, &str, &str, f64)]) -> Value {
    let mut by_day: std::collections::BTreeMap<Date, Vec<Value>> = Default::default();
    for (d, service, record, usd) in rows {
        by_day.entry(*d).or_default().push(json!({
            "Keys": [service, record],
            "Metrics": {"UnblendedCost": {"Amount": format!("{usd}"), "Unit": "USD"}}
        }));
    }
    let results: Vec<Value> = by_day
        .into_iter()
        .map(|(d, groups)| {
            json!({
                "TimePeriod": {"Start": d.to_string(), "End": d.tomorrow().unwrap().to_string()},
                "Total": {},
                "Groups": groups,
                "Estimated": d == today()
            })
        })
        .collect();
    json!({"ResultsByTime": results, "GroupDefinitions": [], "DimensionValueAttributes": []})
}

/// Ten days of ECS at $0.40 paid by credits, VPC IPv4 at $0.12, and yesterday a NAT
/// gateway jump under "EC2 - Other".
pub fn typical_month() -> Value {
    let mut rows = Vec::new();
    for n in 1..=10 {
        let d = days_ago(n);
        rows.push((d, "Amazon Elastic Container Service", "Usage", 0.40));
        rows.push((d, "Amazon Elastic Container Service", "Credit", -0.40));
        rows.push((d, "Amazon Virtual Private Cloud", "Usage", 0.12));
        rows.push((d, "EC2 - Other", "Usage", if n == 1 { 1.08 } else { 0.05 }));
    }
    rows.push((today(), "Amazon Elastic Container Service", "Usage", 0.10));
    rows.push((today(), "Amazon Elastic Container Service", "Credit", -0.10));
    cost_answer(&rows)
}

pub fn plan_state(credits: f64, days_left: i64) -> Value {
    let expires = jiff::Timestamp::now()
        .checked_add((days_left * 24).hours())
        .unwrap();
    json!({
        "accountId": "123456789012",
        "accountPlanType": "FREE",
        "accountPlanStatus": "ACTIVE",
        "accountPlanRemainingCredits": {"amount": credits, "unit": "USD"},
        "accountPlanExpirationDate": expires.round(jiff::Unit::Second).unwrap().to_string()
    })
}

pub fn offer(service: &str, usage_type: &str, used: f64, forecast: f64, limit: f64) -> Value {
    json!({
        "service": service, "operation": "", "usageType": usage_type, "region": "global",
        "actualUsageAmount": used, "forecastedUsageAmount": forecast, "limit": limit,
        "unit": "Requests", "description": format!("{limit} {usage_type} per month"),
        "freeTierType": "Always Free"
    })
}

pub struct World {
    pub moto: Moto,
    pub scripted: Scripted,
}

impl World {
    pub fn new(costs: Value) -> World {
        let moto = Moto::start();
        let scripted = Scripted::start(vec![
            ("GetCostAndUsage", vec![Reply::json(costs)]),
            (
                "GetCostForecast",
                vec![Reply::json(
                    json!({"Total": {"Amount": "12.34", "Unit": "USD"}, "ForecastResultsByTime": []}),
                )],
            ),
            (
                "GetAccountPlanState",
                vec![Reply::json(plan_state(100.0, 100))],
            ),
            (
                "GetFreeTierUsage",
                vec![Reply::json(json!({"freeTierUsages": [
                    offer("AWS Lambda", "Request", 100_000.0, 300_000.0, 1_000_000.0),
                    offer("Amazon DynamoDB", "Storage", 20.0, 23.0, 25.0),
                ]}))],
            ),
        ]);
        moto.write_file(
            "fargate.toml",
            "project = \"fft\"\ndefault_environment = \"dev\"\n[environments.dev]\nregion = \"us-east-1\"\nname_prefix = \"fft-dev\"\nbudget = 10.0\n",
        );
        World { moto, scripted }
    }

    pub fn cmd(&self, bin: &str) -> assert_cmd::Command {
        let mut c = self.moto.cmd(bin);
        c.env("AWS_ENDPOINT_URL_COST_EXPLORER", &self.scripted.endpoint)
            .env("AWS_ENDPOINT_URL_FREETIER", &self.scripted.endpoint);
        c
    }

    /// Exit code, stdout as JSON (null when not JSON), stderr.
    pub fn run(&self, bin: &str, args: &[&str]) -> (i32, Value, String) {
        let out = self.cmd(bin).args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn text(&self, bin: &str, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd(bin).args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

pub fn near(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|v| (v - b).abs() < 1e-6)
}
