//! The spend cap as the tools see it. The cost guard function
//! (terraform/modules/cost-guard/guard.py) stops an environment whose month-to-date
//! spend passed its cap and records what it changed in one SSM String parameter,
//! `/<cluster>/cost-guard/state`. `ecs-scale status`, `ecs-deploy` and `deploy` read it
//! to say "capped" instead of reporting a failed rollout or undoing the stop;
//! `ecs-scale resume` restores from it and deletes it.

use crate::aws::Aws;
use crate::target::Target;
use aws_core::{Context, Error, Result};
use aws_lite::apigateway::Throttle;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The record format guard.py writes (`STATE_VERSION`).
pub const RECORD_VERSION: u32 = 1;
/// Counts outside this range are not a record the guard wrote.
const MAX_TASKS: i32 = 1000;
/// API Gateway's account-level defaults (requests/s and burst), for a stage that had
/// no throttle of its own before the cap set one: PATCH cannot unset a field.
const ACCOUNT_DEFAULT_THROTTLE: Throttle = Throttle {
    burst: Some(5000),
    rate: Some(10000.0),
};

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
            aws_core::output::escape_control(&r.cluster)
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
            aws_core::output::escape_control(bad)
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
            aws_core::output::escape_control(name)
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

/// The spend cap of `cluster` now (one SSM read).
pub async fn read(aws: &Aws, cluster: &str) -> Result<Cap> {
    Ok(match aws.cap_record(&record_name(cluster)).await? {
        None => Cap::Clear,
        Some(text) => parse(&text, cluster),
    })
}

/// A change that would undo or fight the cap's stop is refused (exit 8) while it holds.
pub fn refuse_if_capped(cap: &Cap, cluster: &str, what: &str) -> Result<()> {
    match cap {
        Cap::Clear => Ok(()),
        _ => Err(Error::CheckFailed(format!(
            "{what} refused: cluster {cluster} is {}; nothing was changed. {}",
            cap.describe(),
            cap.hint()
        ))),
    }
}

/// What `resume` will do, line by line, from the record.
pub fn resume_plan(r: &CapRecord) -> Vec<String> {
    let mut lines: Vec<String> = r
        .services
        .iter()
        .map(|(name, s)| {
            let bounds = match (s.min, s.max) {
                (Some(min), Some(max)) => {
                    format!(", autoscaling {min}..{max} with its schedule back on")
                }
                _ => String::new(),
            };
            format!("{name}: desired count 0 -> {}{bounds}", s.desired)
        })
        .collect();
    if let Some(api) = &r.http_api {
        let t = restored_throttle(api);
        lines.push(format!(
            "HTTP API {} stage {}: throttle 0 -> {} requests/s, burst {}",
            api.id,
            api.stage,
            t.rate.unwrap_or_default(),
            t.burst.unwrap_or_default()
        ));
    }
    lines
}

fn restored_throttle(api: &ApiRecord) -> Throttle {
    match (api.burst, api.rate) {
        (None, None) => ACCOUNT_DEFAULT_THROTTLE,
        (burst, rate) => Throttle { burst, rate },
    }
}

#[derive(Debug, Clone)]
pub struct ResumeRequest {
    pub cluster: Option<String>,
    pub dry_run: bool,
    pub yes: bool,
}

/// `ecs-scale resume`: undo the spend cap's stop from its record, then delete the record.
pub async fn resume(ctx: &Context, req: ResumeRequest) -> Result<()> {
    let out = ctx.output();
    let cluster = ctx
        .cluster(req.cluster.as_deref())
        .map(|c| c.value)
        .ok_or_else(|| {
            Error::invalid(
                "no cluster: pass --cluster NAME, or --environment NAME with `cluster` set in fargate.toml",
            )
        })?;
    let aws = Aws::connect(ctx).await?;
    let record = match read(&aws, &cluster).await? {
        Cap::Clear => {
            out.success(format!(
                "{cluster}: not stopped by a spend cap; nothing to resume"
            ));
            if out.is_json() {
                out.json(&serde_json::json!({"cluster": cluster, "resumed": false}))?;
            }
            return Ok(());
        }
        unreadable @ Cap::Unreadable(_) => {
            return Err(Error::CheckFailed(format!(
                "{cluster} is {}; nothing was changed",
                unreadable.describe()
            )));
        }
        Cap::Capped(r) => r,
    };
    let plan = resume_plan(&record);
    if req.dry_run {
        out.note(format!(
            "dry run: {cluster} was stopped by its spend cap at {}; resume would set\n  {}",
            record.capped_at,
            plan.join("\n  ")
        ));
        return Ok(());
    }
    aws_core::prompt::confirm(
        &format!(
            "resume {cluster}, stopped by its spend cap at {} (it bills again from now):\n  {}\n",
            record.capped_at,
            plan.join("\n  ")
        ),
        req.yes,
    )?;
    for (service, s) in &record.services {
        let t = Target {
            cluster: cluster.clone(),
            service: service.clone(),
        };
        if let (Some(min), Some(max)) = (s.min, s.max) {
            aws.resume_target(&t, min, max).await?;
        }
        match aws.set_desired_count(&t, s.desired).await {
            Ok(()) => out.success(format!(
                "{cluster}/{service}: desired count {}, schedule on",
                s.desired
            )),
            // Deleted since the stop: nothing of it to restart, the others still are.
            Err(Error::Aws { code, .. }) if code == "ServiceNotFoundException" => {
                out.note(format!(
                    "{cluster}/{service} no longer exists: nothing to restore"
                ));
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(api) = &record.http_api {
        aws.set_stage_throttle(&api.id, &api.stage, restored_throttle(api))
            .await?;
        out.success(format!("HTTP API {}: throttle restored", api.id));
    }
    // Last: until everything above is back, the record keeps the environment "capped".
    aws.delete_cap_record(&record_name(&cluster)).await?;
    out.note(
        "AWS Budgets notifies once a month: the cap will not stop the environment again this month. \
         Watch the spend with `cost-monitor`, or lower the cap and `deploy`.",
    );
    if out.is_json() {
        out.json(&serde_json::json!({
            "cluster": cluster, "resumed": true, "capped_at": record.capped_at,
            "services": record.services, "api_calls": aws.api_calls(),
        }))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"cap_usd": "20.00", "capped_at": "2026-12-06T02:38:29Z", "cluster": "fft-dev",
        "http_api": {"burst": 20, "id": "abc", "rate": 10.0, "stage": "$default"},
        "reason": "AWS Budget Notification", "services": {"app-service": {"desired": 1, "max": 2, "min": 0}},
        "version": 1}"#;

    #[test]
    fn the_guards_record_is_read_and_planned() {
        let Cap::Capped(r) = parse(RECORD, "fft-dev") else {
            panic!("capped")
        };
        assert_eq!(r.services["app-service"].desired, 1);
        assert_eq!(
            resume_plan(&r),
            vec![
                "app-service: desired count 0 -> 1, autoscaling 0..2 with its schedule back on",
                "HTTP API abc stage $default: throttle 0 -> 10 requests/s, burst 20",
            ]
        );
        let cap = Cap::Capped(r);
        assert!(
            cap.describe()
                .contains("since 2026-12-06T02:38:29Z (cap $20.00)")
        );
        assert!(refuse_if_capped(&cap, "fft-dev", "deploy").is_err());
        assert!(refuse_if_capped(&Cap::Clear, "fft-dev", "deploy").is_ok());
    }

    #[test]
    fn a_record_that_is_not_the_guards_is_never_restored_from() {
        for (text, why) in [
            ("not json", "not the guard's JSON"),
            (
                &*RECORD.replace("\"version\": 1", "\"version\": 2"),
                "version 2",
            ),
            (&*RECORD.replace("fft-dev", "fft-prod"), "names cluster"),
            (
                &*RECORD.replace("\"desired\": 1", "\"desired\": -1"),
                "outside",
            ),
            (&*RECORD.replace("\"max\": 2", "\"max\": 99999"), "outside"),
            (&*RECORD.replace("\"min\": 0", "\"min\": 5"), "outside"),
            (
                &*RECORD.replace("\"rate\": 10.0", "\"rate\": -1"),
                "throttle",
            ),
        ] {
            match parse(text, "fft-dev") {
                Cap::Unreadable(e) => assert!(e.contains(why), "{e} lacks {why}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        // Unreadable still refuses changes: fail closed.
        let cap = parse("{}", "fft-dev");
        assert!(refuse_if_capped(&cap, "fft-dev", "deploy").is_err());
    }

    #[test]
    fn a_stage_without_a_throttle_gets_the_account_defaults_back() {
        let api = ApiRecord {
            id: "a".into(),
            stage: "$default".into(),
            burst: None,
            rate: None,
        };
        assert_eq!(restored_throttle(&api), ACCOUNT_DEFAULT_THROTTLE);
    }
}
