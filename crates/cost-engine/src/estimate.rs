//! The estimate as data: lines after free tier, totals per module, traps,
//! assumptions, what could not be priced, and the difference between two estimates.
//! Rendering (table, JSON, Markdown) belongs to the tool that shows it.

use crate::date::Date;
use crate::free_tier::{Applied, Plan};
use crate::pricing::{Line, NotPriced};
use crate::traps::Trap;
use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the JSON schema (docs/architecture/estimate-json.md).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct EstimateLine {
    #[serde(flatten)]
    pub line: Line,
    pub free_tier: f64,
    pub net: f64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModuleTotal {
    pub module: String,
    pub gross: f64,
    pub net: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Credits {
    pub credits: f64,
    /// Months the credits cover at this monthly cost (null when it costs nothing).
    pub months: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub schema_version: u32,
    pub source: String,
    pub region: String,
    pub as_of: Date,
    pub catalog_effective: String,
    pub currency: &'static str,
    /// Every resource was priced. When false, the totals are a lower bound ("at
    /// least"): see `not_priced`, and no budget gate can pass.
    pub complete: bool,
    pub total_gross: f64,
    pub total_free_tier: f64,
    pub total_net: f64,
    pub modules: Vec<ModuleTotal>,
    pub lines: Vec<EstimateLine>,
    pub plan: Plan,
    pub free_tier_applied: Vec<Applied>,
    pub free_tier_notes: Vec<String>,
    pub credits: Option<Credits>,
    pub traps: Vec<Trap>,
    pub assumptions: Vec<String>,
    pub not_priced: Vec<NotPriced>,
    pub free_resources: usize,
}

impl Estimate {
    /// Net monthly cost per resource address (for --compare-to).
    pub fn by_address(&self) -> BTreeMap<String, f64> {
        let mut m = BTreeMap::new();
        for l in &self.lines {
            *m.entry(l.line.address.clone()).or_insert(0.0) += l.net;
        }
        m
    }
}

/// Dollars as people read them: `$1.23`, `-$0.40`; sub-cent amounts are `$0.00`.
pub fn usd(v: f64) -> String {
    let v = if v.abs() < 0.005 { 0.0 } else { v };
    if v < 0.0 {
        format!("-${:.2}", -v)
    } else {
        format!("${v:.2}")
    }
}

pub fn module_totals(lines: &[EstimateLine]) -> Vec<ModuleTotal> {
    let mut m: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for l in lines {
        let e = m.entry(display_module(&l.line.module)).or_default();
        e.0 += l.line.monthly;
        e.1 += l.net;
    }
    m.into_iter()
        .map(|(module, (gross, net))| ModuleTotal { module, gross, net })
        .collect()
}

/// How a module is named in totals: the root module is `(root)`.
pub fn display_module(m: &str) -> String {
    if m.is_empty() {
        "(root)".into()
    } else {
        m.to_string()
    }
}

/// Difference between two estimates, per resource (what a change costs).
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub before: f64,
    pub after: f64,
    pub delta: f64,
    pub resources: Vec<ResourceDelta>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResourceDelta {
    pub address: String,
    pub before: f64,
    pub after: f64,
    pub delta: f64,
}

pub fn compare(before: &Estimate, after: &Estimate) -> Comparison {
    let (b, a) = (before.by_address(), after.by_address());
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let resources = keys
        .into_iter()
        .filter_map(|k| {
            let (x, y) = (
                b.get(k).copied().unwrap_or(0.0),
                a.get(k).copied().unwrap_or(0.0),
            );
            ((y - x).abs() >= 0.005).then(|| ResourceDelta {
                address: k.clone(),
                before: x,
                after: y,
                delta: y - x,
            })
        })
        .collect();
    Comparison {
        before: before.total_net,
        after: after.total_net,
        delta: after.total_net - before.total_net,
        resources,
    }
}
