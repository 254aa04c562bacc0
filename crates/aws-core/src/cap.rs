//! The spend cap's record as every tool reads it. The cost guard function
//! (terraform/modules/cost-guard/guard.py) stops an environment whose month-to-date
//! spend passed its cap and records what it changed in one SSM String parameter,
//! `/<cluster>/cost-guard/state`. `ecs-scale`, `ecs-deploy`, `deploy` and
//! `cleanup-unused-resources` read it to say "capped" instead of reporting a failed
//! rollout or unused resources; `ecs-scale resume` restores from it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// SSM's largest standard value: a record longer than this is not the guard's.
pub const MAX_RECORD_BYTES: usize = 4096;

/// The record format guard.py writes (`STATE_VERSION`).
pub const RECORD_VERSION: u32 = 1;
/// Counts outside this range are not a record the guard wrote.
const MAX_TASKS: i32 = 1000;
/// The guard's record of an environment: `/<name>/cost-guard/state`, where name is the
/// environment's name prefix, which is its cluster's name.
pub fn record_name(cluster: &str) -> String {
    format!("/{cluster}/cost-guard/state")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapRecord {
    pub version: u32,
    pub capped_at: String,
    #[serde(default)]
    pub cap_usd: String,
    #[serde(default)]
    pub reason: String,
    pub cluster: String,
    pub services: BTreeMap<String, ServiceRecord>,
    pub http_api: Option<ApiRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceRecord {
    pub desired: i32,
    pub min: Option<i32>,
    pub max: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiRecord {
    pub id: String,
    pub stage: String,
    pub burst: Option<i64>,
    pub rate: Option<f64>,
}

/// What the environment's spend cap says now.
#[derive(Debug, Clone, PartialEq)]
pub enum Cap {
    /// No record: the cap has not stopped the environment (or there is no cap).
    Clear,
    Capped(CapRecord),
    /// A record that is not the guard's format: the environment may be stopped, and
    /// nothing is restored from a record that cannot be read.
    Unreadable(String),
}

impl Cap {
    pub fn is_clear(&self) -> bool {
        matches!(self, Cap::Clear)
    }

    /// One line for people: since when and at what cap.
    pub fn describe(&self) -> String {
        match self {
            Cap::Clear => "not tripped".into(),
            Cap::Capped(r) => format!(
                "stopped by its spend cap since {}{}",
                r.capped_at,
                if r.cap_usd.is_empty() {
                    String::new()
                } else {
                    format!(" (cap ${})", r.cap_usd)
                }
            ),
            Cap::Unreadable(why) => format!(
                "possibly stopped by its spend cap: its record cannot be read ({why}); inspect it with \
                 `parameter-store get` before deleting it"
            ),
        }
    }

    /// The way back, for a capped environment.
    pub fn hint(&self) -> &'static str {
        match self {
            Cap::Capped(_) => {
                "`ecs-scale resume` restarts it (it bills again), or raise spend_cap_usd"
            }
            _ => "",
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Cap::Clear => serde_json::json!({"capped": false}),
            Cap::Capped(r) => serde_json::json!({
                "capped": true, "since": r.capped_at, "cap_usd": r.cap_usd,
                "services": r.services,
            }),
            Cap::Unreadable(why) => serde_json::json!({"capped": null, "error": why}),
        }
    }
}

/// The guard's record, checked: its version, its cluster, counts in range. Anything
/// else is [`Cap::Unreadable`], never restored from.
pub fn parse(text: &str, cluster: &str) -> Cap {
    let r: CapRecord = match serde_json::from_str(text) {
        Ok(r) => r,
        Err(e) => return Cap::Unreadable(format!("not the guard's JSON: {e}")),
    };
    if r.version != RECORD_VERSION {
        return Cap::Unreadable(format!(
            "format version {} (this tool reads {RECORD_VERSION})",
            r.version
        ));
    }
    if r.cluster != cluster {
        return Cap::Unreadable(format!(
            "it names cluster {:?}, not {cluster:?}",
            crate::output::escape_control(&r.cluster)
        ));
    }
    // What is printed or sent back to AWS must look like what the guard writes: a
    // tampered record never drives the terminal or names something else.
    let plain = |v: &str, max: usize| v.len() <= max && v.chars().all(|c| c.is_ascii_graphic());
    if !plain(&r.capped_at, 40)
        || !(r.cap_usd.is_empty() || r.cap_usd.parse::<f64>().is_ok_and(f64::is_finite))
    {
        return Cap::Unreadable("its date or cap is not what the guard writes".into());
    }
    let ecs_name = |v: &str| {
        !v.is_empty()
            && v.len() <= 255
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if let Some(bad) = r.services.keys().find(|n| !ecs_name(n)) {
        return Cap::Unreadable(format!(
            "{:?} is not an ECS service name",
            crate::output::escape_control(bad)
        ));
    }
    if let Some(api) = &r.http_api
        && !(api.id.chars().all(|c| c.is_ascii_alphanumeric()) && plain(&api.stage, 128))
    {
        return Cap::Unreadable("its HTTP API id or stage is not what the guard writes".into());
    }
    let in_range = |v: i32| (0..=MAX_TASKS).contains(&v);
    let bad = r.services.iter().find(|(_, s)| {
        !in_range(s.desired)
            || s.min.is_some_and(|v| !in_range(v))
            || s.max.is_some_and(|v| !in_range(v))
            || matches!((s.min, s.max), (Some(a), Some(b)) if a > b)
    });
    if let Some((name, _)) = bad {
        return Cap::Unreadable(format!(
            "service {:?} has counts outside 0..{MAX_TASKS}",
            crate::output::escape_control(name)
        ));
    }
    if let Some(api) = &r.http_api {
        let burst_ok = api.burst.is_none_or(|b| (0..=1_000_000).contains(&b));
        let rate_ok = api
            .rate
            .is_none_or(|v| v.is_finite() && (0.0..=1_000_000.0).contains(&v));
        if !burst_ok || !rate_ok || api.id.is_empty() || api.stage.is_empty() {
            return Cap::Unreadable("its HTTP API throttle is out of range".into());
        }
    }
    Cap::Capped(r)
}
