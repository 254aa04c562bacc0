//! cost-monitor --reconcile: last month's bill (a scripted Cost Explorer answer by
//! SERVICE and USAGE_TYPE) against the estimate of the repository's dev environment,
//! and the measured usage written where estimate-costs and deploy read it.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use serde_json::{Value, json};

const MONITOR: &str = env!("CARGO_BIN_EXE_cost-monitor");

/// A MONTHLY answer: `(service, usage type, usd, quantity, unit)`.
fn bill(rows: &[(&str, &str, f64, f64, &str)]) -> Value {
    let month = today().first_of_month();
    let start = month.checked_sub(jiff::ToSpan::month(1)).unwrap();
    let groups: Vec<Value> = rows
        .iter()
        .map(|(service, usage_type, usd, quantity, unit)| {
            json!({
                "Keys": [service, usage_type],
                "Metrics": {
                    "UnblendedCost": {"Amount": format!("{usd}"), "Unit": "USD"},
                    "UsageQuantity": {"Amount": format!("{quantity}"), "Unit": unit}
                }
            })
        })
        .collect();
    json!({"ResultsByTime": [{
        "TimePeriod": {"Start": start.to_string(), "End": month.to_string()},
        "Total": {}, "Groups": groups, "Estimated": false
    }], "GroupDefinitions": [], "DimensionValueAttributes": []})
}

/// The world with a copy of the repository's terraform/ and an environment on it.
fn world(answer: Value) -> World {
    let w = World::new(answer);
    test_support::terraform::copy_tree(
        &test_support::terraform::source_dir(),
        &w.moto.dir().join("terraform"),
    )
    .unwrap();
    w.moto.write_file(
        "fargate.toml",
        "project = \"fft\"\ndefault_environment = \"dev\"\n[environments.dev]\nregion = \"us-east-1\"\nname_prefix = \"fft-dev\"\nbudget = 10.0\nterraform_dir = \"terraform/environments/dev\"\n",
    );
    w
}

fn line<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == name)
        .unwrap_or_else(|| panic!("{name} in {r:#}"))
}

#[test]
fn the_bill_is_compared_line_by_line_and_its_usage_feeds_the_next_estimate() {
    let w = world(bill(&[
        (
            "Amazon API Gateway",
            "USE1-ApiGatewayHttpRequest",
            10.0,
            10_000_000.0,
            "Requests",
        ),
        (
            "Amazon Elastic Container Service",
            "USE1-Fargate-ARM-vCPU-Hours:perCPU",
            4.0,
            123.5,
            "Hrs",
        ),
        (
            "AWS Cloud Map",
            "USE1-DiscoveryApiCall",
            0.5,
            500_000.0,
            "Count",
        ),
        (
            "Amazon Simple Email Service",
            "USE1-Recipients",
            0.2,
            2000.0,
            "Count",
        ),
    ]));
    let (code, r, stderr) = w.run(MONITOR, &["--reconcile", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["billed_requests"], 1, "{r:#}");
    assert!(
        stderr.contains("1 billed Cost Explorer request ($0.01)"),
        "{stderr}"
    );
    // One MONTHLY read of last month, this region's usage only, by service and usage type.
    let body: Value = serde_json::from_str(&w.scripted.bodies("GetCostAndUsage")[0]).unwrap();
    assert_eq!(body["Granularity"], "MONTHLY");
    assert_eq!(body["GroupBy"][0]["Key"], "SERVICE");
    assert_eq!(body["GroupBy"][1]["Key"], "USAGE_TYPE");
    assert_eq!(body["Metrics"], json!(["UnblendedCost", "UsageQuantity"]));
    let filters = body["Filter"]["And"].to_string();
    assert!(
        filters.contains("\"REGION\"") && filters.contains("us-east-1"),
        "{body:#}"
    );
    assert!(
        filters.contains("\"RECORD_TYPE\"") && filters.contains("\"Usage\""),
        "{body:#}"
    );
    let month = today().first_of_month();
    let start = month.checked_sub(jiff::ToSpan::month(1)).unwrap();
    assert_eq!(body["TimePeriod"]["Start"], start.to_string());
    assert_eq!(body["TimePeriod"]["End"], month.to_string());

    // Scaled to the estimate's 730-hour month.
    let scale = 730.0 / (24.0 * f64::from(start.days_in_month()));
    let http = line(&r, "HTTP API requests");
    assert!(near(&http["billed_usd"], 10.0 * scale), "{http}");
    let assumed_before = http["estimate_usd"].as_f64().unwrap();
    assert!(assumed_before < 1.0, "the default 0.1 M requests: {http}");
    assert!(near(&line(&r, "Fargate vCPU")["billed_usd"], 4.0 * scale));
    let measured = &r["measured"][0];
    assert_eq!(measured["key"], "http_api_requests_million");
    assert!(near(&measured["value"], 10.0 * scale), "{measured}");
    assert_eq!(r["assumed"][0], json!(["http_api_requests_million", 0.1]));
    assert!(near(&line(&r, "Cloud Map")["billed_usd"], 0.5 * scale));
    assert_eq!(r["unmatched"][0]["usage_type"], "USE1-Recipients", "{r:#}");
    assert!(r["written"].is_null());

    // The human table: each line, the total, the measured key beside the assumption.
    let (code, table, stderr) = w.text(MONITOR, &["--reconcile"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(table.contains("HTTP API requests"), "{table}");
    assert!(
        table.contains("Amazon Simple Email Service USE1-Recipients (no estimate line)"),
        "{table}"
    );
    assert!(table.contains("http_api_requests_million"), "{table}");
    assert!(
        stderr.contains("0 billed requests"),
        "the day's bill is reused: {stderr}"
    );
    assert!(stderr.contains("--write-usage"), "{stderr}");

    // --write-usage: into the environment's usage.toml, no second billed read.
    let (code, r, stderr) = w.run(MONITOR, &["--reconcile", "--write-usage", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["billed_requests"], 0);
    let file = w.moto.dir().join("terraform/environments/dev/usage.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("http_api_requests_million = "), "{text}");
    assert!(text.contains("measured from the bill of"), "{text}");
    assert_eq!(w.scripted.calls("GetCostAndUsage"), 1);

    // The next estimate prices the measured usage: the line now agrees with the bill.
    let (code, r, stderr) = w.run(MONITOR, &["--reconcile", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    let http = line(&r, "HTTP API requests");
    assert!(
        http["delta_usd"].as_f64().unwrap().abs() < 0.01,
        "the estimate now uses the bill's usage: {http}"
    );
    assert!(stderr.contains("usage.toml"), "{stderr}");
}

#[test]
fn reconcile_needs_an_environment_and_a_regular_file_to_write() {
    let w = world(bill(&[]));
    w.moto.write_file(
        "fargate.toml",
        "project = \"fft\"\ndefault_environment = \"dev\"\n[environments.dev]\nregion = \"us-east-1\"\n",
    );
    let (code, _, stderr) = w.text(MONITOR, &["--reconcile"]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("terraform_dir"), "{stderr}");
    assert_eq!(w.scripted.calls("GetCostAndUsage"), 0, "nothing billed");

    let w = world(bill(&[]));
    let (code, _, stderr) = w.text(MONITOR, &["--write-usage", "x.toml"]);
    assert_eq!(code, 2, "--write-usage needs --reconcile: {stderr}");
    let dir = w.moto.dir().join("a-directory");
    std::fs::create_dir_all(&dir).unwrap();
    let (code, _, stderr) = w.text(
        MONITOR,
        &["--reconcile", "--write-usage", dir.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(
        w.scripted.calls("GetCostAndUsage"),
        0,
        "refused before any read"
    );

    // A bill with nothing this stack uses: every estimate line at $0 billed, exit 0.
    let (code, r, stderr) = w.run(MONITOR, &["--reconcile", "-o", "json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(r["billed_total_usd"], 0.0, "{r:#}");
    assert!(r["estimate_total_usd"].as_f64().unwrap() > 1.0, "{r:#}");
}
