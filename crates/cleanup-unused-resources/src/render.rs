//! What people and scripts see: a table grouped by type with the monthly saving, or
//! one JSON document.

use crate::apply::{Applied, Outcome};
use crate::model::{Finding, Kind, Skipped};
use crate::scope::Scope;
use aws_core::output::new_table;
use cost_engine::estimate::usd;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub account: &'a str,
    pub alias: Option<&'a str>,
    pub region: &'a str,
    pub scope: &'a Scope,
    /// `dry-run` or `apply`.
    pub mode: &'static str,
    pub findings: &'a [Finding],
    pub skipped: &'a [Skipped],
    /// The priced monthly cost of what would be (or was asked to be) removed.
    pub monthly_usd: f64,
    /// Findings whose cost could not be priced (not included in `monthly_usd`).
    pub unpriced: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<&'a [Applied]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_file: Option<String>,
    /// The environment's spend cap (`{"capped": false}`, or since when and at what
    /// cap); absent when there is no cluster in scope or its record was not read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spend_cap: Option<serde_json::Value>,
    /// AWS requests this run made.
    pub requests: usize,
}

/// Sum of the priced findings that change something, and how many are unpriced.
pub fn totals(findings: &[Finding]) -> (f64, usize) {
    let actionable = findings.iter().filter(|f| f.action.changes_something());
    let (mut sum, mut unpriced) = (0.0, 0);
    for f in actionable {
        match f.monthly_usd {
            Some(v) => sum += v,
            None => unpriced += 1,
        }
    }
    (sum, unpriced)
}

fn cost_cell(f: &Finding) -> String {
    match f.monthly_usd {
        Some(v) => usd(v),
        None => "not priced".into(),
    }
}

/// Findings grouped by type, a subtotal per type.
pub fn findings_table(findings: &[Finding]) -> String {
    let mut table = new_table(["type", "resource", "action", "$/month", "why"]);
    for kind in Kind::ALL {
        let group: Vec<&Finding> = findings.iter().filter(|f| f.kind == kind).collect();
        if group.is_empty() {
            continue;
        }
        for (i, f) in group.iter().enumerate() {
            let label = if i == 0 { kind.label() } else { "" };
            let action = match f.retention_days {
                Some(d) => format!("{} {d}d", f.action.verb()),
                None => f.action.verb().to_string(),
            };
            table.add_row(vec![
                label.to_string(),
                short_id(&f.id),
                action,
                cost_cell(f),
                f.reason.clone(),
            ]);
        }
        if group.len() > 1 {
            let owned: Vec<Finding> = group.iter().map(|f| (*f).clone()).collect();
            let (sum, unpriced) = totals(&owned);
            let more = if unpriced > 0 {
                format!(" + {unpriced} not priced")
            } else {
                String::new()
            };
            table.add_row(vec![
                String::new(),
                format!("{} items", group.len()),
                String::new(),
                format!("{}{more}", usd(sum)),
                String::new(),
            ]);
        }
    }
    aws_core::output::render_table(&table)
}

/// Ids as people scan them (the JSON has them whole): an ARN by its last part
/// (`family:revision`, the task id), a digest by its first 12 hex digits.
fn short_id(id: &str) -> String {
    if id.starts_with("arn:") {
        return id.rsplit('/').next().unwrap_or(id).to_string();
    }
    match id.split_once("@sha256:") {
        Some((repo, hex)) if hex.len() > 12 => format!("{repo}@sha256:{}…", &hex[..12]),
        _ => id.to_string(),
    }
}

pub fn skipped_lines(skipped: &[Skipped]) -> Vec<String> {
    skipped
        .iter()
        .map(|s| format!("skipped {} {}: {}", s.kind.label(), s.what, s.reason))
        .collect()
}

pub fn applied_table(applied: &[Applied]) -> String {
    let mut table = new_table(["type", "resource", "action", "outcome"]);
    for a in applied {
        let outcome = match &a.outcome {
            Outcome::Done => "done".to_string(),
            Outcome::Gone => "already gone".to_string(),
            Outcome::Kept(why) => format!("kept: {why}"),
            Outcome::Failed(why) => format!("FAILED: {why}"),
        };
        table.add_row(vec![
            a.item.kind.label().to_string(),
            short_id(&a.item.id),
            a.item.action.verb().to_string(),
            outcome,
        ]);
    }
    aws_core::output::render_table(&table)
}

/// The one-line summary: what was found and what it costs.
pub fn summary(findings: &[Finding]) -> String {
    let actionable = findings
        .iter()
        .filter(|f| f.action.changes_something())
        .count();
    let (sum, unpriced) = totals(findings);
    let more = if unpriced > 0 {
        format!(" (+ {unpriced} not priced)")
    } else {
        String::new()
    };
    format!("{actionable} to clean up, {}/month{more}", usd(sum))
}
