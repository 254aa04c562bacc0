//! `ecs-scale`: desired count that autoscaling will not undo, working-hours
//! schedules, and what the schedule costs per month.

use crate::observe::{self, Calls};
use crate::target::Target;
use aws_core::{Error, Result};
use aws_sdk_applicationautoscaling::Client as Aas;
use aws_sdk_applicationautoscaling::types::{
    ScalableDimension, ScalableTargetAction, ServiceNamespace,
};
use serde::Serialize;

pub use pricing::schedule::WorkingHours;

/// Whether `tz` is a time zone of the IANA database (bundled, so the answer does not
/// depend on the machine).
pub fn valid_time_zone(tz: &str) -> bool {
    jiff::tz::db().get(tz).is_ok()
}

pub fn resource_id(t: &Target) -> String {
    format!("service/{}/{}", t.cluster, t.service)
}

#[derive(Debug, Clone, Serialize)]
pub struct ScalableTarget {
    pub min: i32,
    pub max: i32,
}

pub async fn scalable_target(aas: &Aas, t: &Target) -> Result<Option<ScalableTarget>> {
    let out = aas
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_ids(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:DescribeScalableTargets", e))?;
    Ok(out
        .scalable_targets
        .unwrap_or_default()
        .into_iter()
        .next()
        .map(|s| ScalableTarget {
            min: s.min_capacity,
            max: s.max_capacity,
        }))
}

/// New (min, max) so that `desired` stays inside them; None when already inside.
pub fn widen(current: &ScalableTarget, desired: i32) -> Option<(i32, i32)> {
    let (min, max) = (current.min.min(desired), current.max.max(desired));
    ((min, max) != (current.min, current.max)).then_some((min, max))
}

pub async fn register_target(aas: &Aas, t: &Target, min: i32, max: i32) -> Result<()> {
    aas.register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(min)
        .max_capacity(max)
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:RegisterScalableTarget", e))?;
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduledAction {
    pub name: String,
    pub schedule: String,
    pub timezone: Option<String>,
    pub min: Option<i32>,
    pub max: Option<i32>,
}

pub async fn scheduled_actions(aas: &Aas, t: &Target) -> Result<Vec<ScheduledAction>> {
    let out = aas
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:DescribeScheduledActions", e))?;
    Ok(out
        .scheduled_actions
        .unwrap_or_default()
        .into_iter()
        .map(|a| ScheduledAction {
            name: a.scheduled_action_name,
            schedule: a.schedule,
            timezone: a.timezone,
            min: a
                .scalable_target_action
                .as_ref()
                .and_then(|s| s.min_capacity),
            max: a
                .scalable_target_action
                .as_ref()
                .and_then(|s| s.max_capacity),
        })
        .collect())
}

/// The scheduled actions this tool owns for a service, by exact name: its own
/// (`<service>-scale-up` / `-scale-down`) and Terraform's
/// (`<name_prefix>-<service>-scale-up` / `-scale-down`). Any other action of the
/// service (a month-end burst, someone's experiment) is never touched.
pub fn owned_names(service: &str, name_prefix: Option<&str>) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if let Some(p) = name_prefix.filter(|p| !p.is_empty()) {
        pairs.push((
            format!("{p}-{service}-scale-up"),
            format!("{p}-{service}-scale-down"),
        ));
    }
    pairs.push((
        format!("{service}-scale-up"),
        format!("{service}-scale-down"),
    ));
    pairs
}

/// Names for the two actions: an owned pair that exists (Terraform's first), else ours.
pub fn action_names(
    existing: &[ScheduledAction],
    service: &str,
    name_prefix: Option<&str>,
) -> (String, String) {
    let pairs = owned_names(service, name_prefix);
    let exists = |n: &str| existing.iter().any(|a| a.name == n);
    pairs
        .iter()
        .find(|(up, down)| exists(up) || exists(down))
        .or_else(|| pairs.last())
        .cloned()
        .unwrap_or_else(|| {
            (
                format!("{service}-scale-up"),
                format!("{service}-scale-down"),
            )
        })
}

/// Split a service's actions into those this tool owns and those it leaves alone.
pub fn partition_owned<'a>(
    existing: &'a [ScheduledAction],
    service: &str,
    name_prefix: Option<&str>,
) -> (Vec<&'a ScheduledAction>, Vec<&'a ScheduledAction>) {
    let owned: Vec<String> = owned_names(service, name_prefix)
        .into_iter()
        .flat_map(|(u, d)| [u, d])
        .collect();
    existing.iter().partition(|a| owned.contains(&a.name))
}

pub async fn put_action(
    aas: &Aas,
    t: &Target,
    name: &str,
    cron: &str,
    tz: &str,
    min: i32,
    max: i32,
) -> Result<()> {
    aas.put_scheduled_action()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .scheduled_action_name(name)
        .schedule(cron)
        .timezone(tz)
        .scalable_target_action(
            ScalableTargetAction::builder()
                .min_capacity(min)
                .max_capacity(max)
                .build(),
        )
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:PutScheduledAction", e))?;
    Ok(())
}

/// The two scheduled actions of a working-hours schedule, validated.
#[derive(Debug, Clone)]
pub struct SchedulePlan {
    /// (name, cron) of the action that starts the working hours.
    pub up: (String, String),
    /// (name, cron) of the action that scales to zero.
    pub down: (String, String),
    pub time_zone: String,
    pub working: i32,
    pub max: i32,
}

/// Write a schedule so that a rejected write changes nothing: the scalable target is
/// registered first (AWS requires it), then the two actions; if AWS refuses any of
/// them, what was written is put back as it was (actions restored or deleted, the
/// target's bounds restored or the target deregistered) and the error returned.
pub async fn apply_schedule(
    aas: &Aas,
    t: &Target,
    plan: &SchedulePlan,
    target_before: Option<&ScalableTarget>,
    actions_before: &[ScheduledAction],
    out: &aws_core::output::Output,
) -> Result<()> {
    let needs_target = target_before.is_none_or(|s| s.min != 0 || s.max < plan.working);
    if needs_target {
        register_target(aas, t, 0, plan.max).await?;
    }
    let mut written: Vec<&str> = Vec::new();
    let mut result = Ok(());
    for (name, cron, min, max) in [
        (&plan.up.0, &plan.up.1, plan.working, plan.max),
        (&plan.down.0, &plan.down.1, 0, 0),
    ] {
        match put_action(aas, t, name, cron, &plan.time_zone, min, max).await {
            Ok(()) => written.push(name),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    let Err(e) = result else {
        if needs_target {
            out.note(format!(
                "scalable target: min 0, max {} (min 0 lets the schedule reach zero)",
                plan.max
            ));
        }
        return Ok(());
    };
    // Undo, newest first; report anything that could not be undone.
    let mut not_undone = Vec::new();
    for name in written.iter().rev() {
        let undo = match actions_before.iter().find(|a| a.name == *name) {
            Some(prev) => {
                put_action(
                    aas,
                    t,
                    &prev.name,
                    &prev.schedule,
                    prev.timezone.as_deref().unwrap_or("UTC"),
                    prev.min.unwrap_or(0),
                    prev.max.unwrap_or(0),
                )
                .await
            }
            None => delete_action(aas, t, name).await,
        };
        if undo.is_err() {
            not_undone.push(format!("scheduled action {name}"));
        }
    }
    if needs_target {
        let undo = match target_before {
            Some(prev) => register_target(aas, t, prev.min, prev.max).await,
            None => deregister_target(aas, t).await,
        };
        if undo.is_err() {
            not_undone.push("the scalable target's bounds".to_string());
        }
    }
    if not_undone.is_empty() {
        out.warn("AWS refused the schedule; what had been written was undone, nothing changed");
    } else {
        out.warn(format!(
            "AWS refused the schedule, and undoing failed for: {}; check with `ecs-scale status`",
            not_undone.join(", ")
        ));
    }
    Err(e)
}

pub async fn deregister_target(aas: &Aas, t: &Target) -> Result<()> {
    aas.deregister_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:DeregisterScalableTarget", e))?;
    Ok(())
}

pub async fn delete_action(aas: &Aas, t: &Target, name: &str) -> Result<()> {
    aas.delete_scheduled_action()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id(t))
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .scheduled_action_name(name)
        .send()
        .await
        .map_err(|e| Error::from_sdk("application-autoscaling:DeleteScheduledAction", e))?;
    Ok(())
}

/// Monthly cost of the service's tasks at a number of task-hours: the shared
/// computation of `pricing::fargate` (the same one estimate-costs uses).
pub fn monthly_cost(
    region: &str,
    task: &pricing::fargate::Task,
    task_hours: f64,
) -> std::result::Result<pricing::fargate::TaskCost, pricing::catalog::CatalogError> {
    pricing::fargate::monthly(
        &pricing::catalog::Catalog::builtin(),
        region,
        task,
        task_hours,
    )
}

/// Wait until the service runs `desired` tasks (or the timeout).
pub async fn wait_for_count(
    ecs: &aws_sdk_ecs::Client,
    t: &Target,
    desired: i32,
    timeout: std::time::Duration,
    quiet: bool,
) -> Result<()> {
    let spinner =
        aws_core::progress::Spinner::new(format!("waiting for {desired} running task(s)"), quiet);
    let calls = Calls::default();
    let mut poller = crate::poll::Poller::new(crate::poll::ROLLOUT, timeout);
    loop {
        let s = observe::describe_service(ecs, t, &calls).await?;
        let (running, pending) = (s.running_count, s.pending_count);
        spinner.set_message(format!(
            "{running} running, {pending} pending, {desired} desired"
        ));
        if running == desired && pending == 0 {
            spinner.finish();
            return Ok(());
        }
        if poller.timed_out() {
            spinner.finish();
            return Err(Error::Failed(format!(
                "after {}s the service runs {running} task(s) ({pending} pending), not {desired}; see `ecs-deploy` events or the runbook docs/runbooks/task-failures.md",
                timeout.as_secs()
            )));
        }
        poller.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_come_from_the_iana_database() {
        assert!(valid_time_zone("Europe/Berlin") && valid_time_zone("UTC"));
        assert!(
            !valid_time_zone("Mars/Olympus") && !valid_time_zone("+8:00") && !valid_time_zone("")
        );
    }

    #[test]
    fn schedule_hours_feed_the_cost_engine() {
        let w = WorkingHours::parse("Mon-Fri 08:00-18:00").expect("ok");
        let actions = [
            pricing::schedule::Action {
                cron: w.up_cron(),
                min_capacity: Some(1),
                max_capacity: Some(1),
            },
            pricing::schedule::Action {
                cron: w.down_cron(),
                min_capacity: Some(0),
                max_capacity: Some(0),
            },
        ];
        let u = pricing::schedule::usage(1, &actions).expect("ok");
        let task = pricing::fargate::Task {
            vcpu: 0.25,
            memory_gb: 0.5,
            arm: false,
            spot: false,
            ephemeral_gb: 20.0,
            public_ip: true,
        };
        let c = monthly_cost("us-east-1", &task, u.task_hours_per_month).expect("ok");
        assert!((c.compute - 2.68).abs() < 0.01, "{c:?}");
        assert!((c.public_ip - 1.09).abs() < 0.01, "{c:?}");
    }

    #[test]
    fn widening_keeps_autoscaling_from_undoing_a_scale() {
        let t = ScalableTarget { min: 1, max: 2 };
        assert_eq!(widen(&t, 0), Some((0, 2)));
        assert_eq!(widen(&t, 5), Some((1, 5)));
        assert_eq!(widen(&t, 1), None);
    }

    #[test]
    fn owns_actions_by_exact_name_only() {
        let action = |name: &str, max: i32| ScheduledAction {
            name: name.into(),
            schedule: "cron(0 0 L * ? *)".into(),
            timezone: None,
            min: Some(0),
            max: Some(max),
        };
        // Neither a name containing "up" nor an action with max 0 is ours.
        let existing = vec![
            action("month-end-backup-burst", 4),
            action("nightly-pause", 0),
        ];
        assert_eq!(
            action_names(&existing, "app", None),
            ("app-scale-up".into(), "app-scale-down".into())
        );
        let (owned, others) = partition_owned(&existing, "app", None);
        assert!(owned.is_empty());
        assert_eq!(others.len(), 2);
        let mixed = vec![
            action("fft-dev-app-scale-down", 0),
            action("nightly-pause", 0),
        ];
        let (owned, _) = partition_owned(&mixed, "app", Some("fft-dev"));
        assert_eq!(owned.len(), 1);
    }

    #[test]
    fn reuses_terraform_action_names() {
        let existing = vec![
            ScheduledAction {
                name: "fft-dev-app-service-scale-up".into(),
                schedule: "x".into(),
                timezone: None,
                min: Some(1),
                max: Some(2),
            },
            ScheduledAction {
                name: "fft-dev-app-service-scale-down".into(),
                schedule: "y".into(),
                timezone: None,
                min: Some(0),
                max: Some(0),
            },
        ];
        assert_eq!(
            action_names(&existing, "app-service", Some("fft-dev")),
            (
                "fft-dev-app-service-scale-up".into(),
                "fft-dev-app-service-scale-down".into()
            )
        );
        assert_eq!(
            action_names(&[], "app", Some("fft-dev")),
            ("app-scale-up".into(), "app-scale-down".into())
        );
    }
}
