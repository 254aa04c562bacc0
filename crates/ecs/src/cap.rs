//! The spend cap in the ECS tools: reading the record (its model is `aws_core::cap`),
//! refusing changes that would fight the stop (`ecs-deploy`, `deploy`), and
//! `ecs-scale resume`, which restores from the record and deletes it.

use crate::aws::Aws;
use crate::target::Target;
pub use aws_core::cap::*;
use aws_core::{Context, Error, Result};
use aws_lite::apigateway::Throttle;

/// API Gateway's account-level defaults (requests/s and burst), for a stage that had
/// no throttle of its own before the cap set one: PATCH cannot unset a field.
const ACCOUNT_DEFAULT_THROTTLE: Throttle = Throttle {
    burst: Some(5000),
    rate: Some(10000.0),
};

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
