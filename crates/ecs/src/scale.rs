//! `ecs-scale`: desired count that autoscaling will not undo, working-hours
//! schedules, and what the schedule costs per month.

use crate::aws::Aws;
pub use crate::aws::{ScalableTarget, ScheduledAction};
use crate::target::{self, Target};
use aws_core::output::new_table;
use aws_core::{Context, Error, Result};
use std::time::Duration;

pub use pricing::schedule::WorkingHours;

/// Whether `tz` is a time zone of the IANA database (bundled, so the answer does not
/// depend on the machine).
pub fn valid_time_zone(tz: &str) -> bool {
    jiff::tz::db().get(tz).is_ok()
}

pub fn resource_id(t: &Target) -> String {
    format!("service/{}/{}", t.cluster, t.service)
}

/// New (min, max) so that `desired` stays inside them; None when already inside.
pub fn widen(current: &ScalableTarget, desired: i32) -> Option<(i32, i32)> {
    let (min, max) = (current.min.min(desired), current.max.max(desired));
    ((min, max) != (current.min, current.max)).then_some((min, max))
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
    aws: &Aws,
    t: &Target,
    plan: &SchedulePlan,
    target_before: Option<&ScalableTarget>,
    actions_before: &[ScheduledAction],
    out: &aws_core::output::Output,
) -> Result<()> {
    let needs_target = target_before.is_none_or(|s| s.min != 0 || s.max < plan.working);
    if needs_target {
        aws.register_target(t, 0, plan.max).await?;
    }
    let mut written: Vec<&str> = Vec::new();
    let mut result = Ok(());
    for (name, cron, min, max) in [
        (&plan.up.0, &plan.up.1, plan.working, plan.max),
        (&plan.down.0, &plan.down.1, 0, 0),
    ] {
        match aws
            .put_action(t, name, cron, &plan.time_zone, min, max)
            .await
        {
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
                aws.put_action(
                    t,
                    &prev.name,
                    &prev.schedule,
                    prev.timezone.as_deref().unwrap_or("UTC"),
                    prev.min.unwrap_or(0),
                    prev.max.unwrap_or(0),
                )
                .await
            }
            None => aws.delete_action(t, name).await,
        };
        if undo.is_err() {
            not_undone.push(format!("scheduled action {name}"));
        }
    }
    if needs_target {
        let undo = match target_before {
            Some(prev) => aws.register_target(t, prev.min, prev.max).await,
            None => aws.deregister_target(t).await,
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
    aws: &Aws,
    t: &Target,
    desired: i32,
    timeout: std::time::Duration,
    quiet: bool,
) -> Result<()> {
    let spinner =
        aws_core::progress::Spinner::new(format!("waiting for {desired} running task(s)"), quiet);
    let mut poller = crate::poll::Poller::new(crate::poll::ROLLOUT, timeout);
    loop {
        let s = aws.describe_service(t).await?;
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

/// What `ecs-scale` was asked (parsed, not yet checked).
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub cluster: Option<String>,
    pub service: Option<String>,
    pub desired_count: Option<i32>,
    /// Working hours, e.g. "Mon-Fri 08:00-19:00".
    pub schedule: Option<String>,
    pub time_zone: String,
    pub clear_schedule: bool,
    pub no_wait: bool,
    pub timeout_secs: u64,
    pub dry_run: bool,
    /// Confirmed in advance (`--yes`).
    pub yes: bool,
}

/// `ecs-scale`: set the desired count, set or clear the working-hours schedule.
pub async fn run(ctx: &Context, a: Request) -> Result<()> {
    let out = ctx.output();
    let t = target::resolve(ctx, a.cluster.as_deref(), a.service.as_deref())?;
    if a.desired_count.is_none() && a.schedule.is_none() && !a.clear_schedule {
        return Err(Error::invalid(
            "nothing to do: give --desired-count N, --schedule \"Mon-Fri 08:00-19:00\" or --clear-schedule",
        ));
    }
    if let Some(n) = a.desired_count
        && !(0..=1000).contains(&n)
    {
        return Err(Error::invalid("--desired-count must be between 0 and 1000"));
    }
    let hours = a
        .schedule
        .as_deref()
        .map(WorkingHours::parse)
        .transpose()
        .map_err(Error::invalid)?;
    if hours.is_some() && !valid_time_zone(&a.time_zone) {
        return Err(Error::invalid(format!(
            "--time-zone {}: not a time zone of the IANA database; use a name like \
             Europe/Berlin, America/New_York or UTC",
            aws_core::output::escape_control(&a.time_zone)
        )));
    }
    let name_prefix = ctx.environment_config().and_then(|e| e.name_prefix.clone());
    let aws = Aws::connect(ctx).await?;
    let service_now = aws.describe_service(&t).await?;
    let existing_target = aws.scalable_target(&t).await?;

    if let Some(h) = &hours {
        let working = a.desired_count.unwrap_or(1);
        let existing = aws.scheduled_actions(&t).await?;
        let (up, down) = action_names(&existing, &t.service, name_prefix.as_deref());
        let changes = [
            format!(
                "{up}: {} ({}) -> {working} task(s)",
                h.up_cron(),
                a.time_zone
            ),
            format!("{down}: {} ({}) -> 0 tasks", h.down_cron(), a.time_zone),
        ];
        if a.dry_run {
            out.note(format!("dry run: would set\n  {}", changes.join("\n  ")));
            return Ok(());
        }
        let max = existing_target
            .as_ref()
            .map_or(working.max(1), |s| s.max.max(working));
        let plan = SchedulePlan {
            up: (up, h.up_cron()),
            down: (down, h.down_cron()),
            time_zone: a.time_zone.clone(),
            working,
            max,
        };
        apply_schedule(&aws, &t, &plan, existing_target.as_ref(), &existing, &out).await?;
        out.success(format!("schedule set:\n  {}", changes.join("\n  ")));
        out.note("terraform apply restores the schedule of the Terraform variables (scale_up_cron/scale_down_cron): change them there to keep it");
        return Ok(());
    }
    if a.clear_schedule {
        if !a.dry_run {
            ctx.confirm_protected(
                &format!("delete the working-hours schedule of {}", t.service),
                a.yes,
            )?;
        }
        let existing = aws.scheduled_actions(&t).await?;
        let (owned, others) = partition_owned(&existing, &t.service, name_prefix.as_deref());
        for s in &others {
            out.note(format!(
                "left alone: {} ({}): not a schedule this tool or the Terraform stack made",
                s.name, s.schedule
            ));
        }
        if owned.is_empty() {
            out.note("no working-hours schedule to delete");
            return Ok(());
        }
        for s in &owned {
            if a.dry_run {
                out.note(format!("dry run: would delete {} ({})", s.name, s.schedule));
            } else {
                aws.delete_action(&t, &s.name).await?;
                out.success(format!("deleted {} ({})", s.name, s.schedule));
            }
        }
        if !a.dry_run {
            out.warn("without a schedule the service runs 24x7: about 3.4x the task cost of a Mon-Fri 08:00-18:00 schedule");
        }
        return Ok(());
    }
    let n = a.desired_count.unwrap_or(0);
    let before = service_now.desired_count;
    if a.dry_run {
        out.note(format!("dry run: would set desired count {before} -> {n}"));
        return Ok(());
    }
    if n == 0 {
        ctx.confirm_protected(&format!("scale {} to zero tasks", t.service), a.yes)?;
    }
    if let Some(st) = &existing_target
        && let Some((min, max)) = widen(st, n)
    {
        aws.register_target(&t, min, max).await?;
        out.note(format!(
            "autoscaling bounds {}..{} -> {min}..{max}, so autoscaling keeps {n} task(s)",
            st.min, st.max
        ));
    }
    aws.set_desired_count(&t, n).await?;
    out.success(format!(
        "{}/{}: desired count {before} -> {n}",
        t.cluster, t.service
    ));
    if n == 0 {
        out.note(
            "at zero tasks no task bills; with ingress = \"alb\" the ALB and its public IPv4 \
             addresses still bill until `deploy --destroy` (the default HTTP API bills per request)",
        );
    }
    if !a.no_wait {
        wait_for_count(
            &aws,
            &t,
            n,
            Duration::from_secs(a.timeout_secs),
            out.quiet || out.is_json(),
        )
        .await?;
        out.success(format!("{n} task(s) running"));
    }
    if out.is_json() {
        out.json(&serde_json::json!({"cluster": t.cluster, "service": t.service, "desired_before": before, "desired": n}))?;
    }
    Ok(())
}

/// `ecs-scale status`: counts, bounds, schedule, on-hours and the monthly task cost.
pub async fn status(ctx: &Context, cluster: Option<&str>, service: Option<&str>) -> Result<()> {
    let out = ctx.output();
    let t = &target::resolve(ctx, cluster, service)?;
    let aws = Aws::connect(ctx).await?;
    let region = aws.region().unwrap_or("us-east-1").to_string();
    let svc = aws.describe_service(t).await?;
    let st = aws.scalable_target(t).await?;
    let actions = aws.scheduled_actions(t).await?;
    // A cap record that cannot be read is shown, not fatal: status is for looking.
    let cap = crate::cap::read(&aws, &t.cluster)
        .await
        .unwrap_or_else(|e| crate::cap::Cap::Unreadable(e.to_string()));
    let td = Some(
        aws.describe_task_definition(svc.task_definition().unwrap_or_default())
            .await?,
    );
    let num = |s: Option<&str>| s.and_then(|v| v.parse::<f64>().ok());
    let vcpu = td.as_ref().and_then(|t| num(t.cpu())).unwrap_or(256.0) / 1024.0;
    let gb = td.as_ref().and_then(|t| num(t.memory())).unwrap_or(512.0) / 1024.0;
    let arm = td
        .as_ref()
        .and_then(|t| t.runtime_platform())
        .and_then(|r| r.cpu_architecture())
        .is_some_and(|a| a.as_str() == "ARM64");
    let public_ip = svc
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .and_then(|a| a.assign_public_ip())
        .is_some_and(|p| p.as_str() == "ENABLED");
    let working = actions
        .iter()
        .filter_map(|a| a.max)
        .max()
        .unwrap_or(svc.desired_count)
        .max(svc.desired_count);
    let cron_actions: Vec<pricing::schedule::Action> = actions
        .iter()
        .map(|a| pricing::schedule::Action {
            cron: a.schedule.clone(),
            min_capacity: a.min.map(|v| v.max(0) as u32),
            max_capacity: a.max.map(|v| v.max(0) as u32),
        })
        .collect();
    let usage = pricing::schedule::usage(working.max(0) as u32, &cron_actions);
    let (hours, note) = match &usage {
        Ok(u) => (u.task_hours_per_month, None),
        Err(e) => (
            f64::from(working) * 730.0,
            Some(format!("{e}; costed as 24x7")),
        ),
    };
    // A region the catalog does not price still gets counts and schedule; the cost
    // is "unknown", never $0 and never a failure of the whole command.
    let spot = svc
        .capacity_provider_strategy()
        .first()
        .is_some_and(|c| c.capacity_provider() == "FARGATE_SPOT");
    let ephemeral_gb = td
        .as_ref()
        .and_then(|t| t.ephemeral_storage())
        .map_or(pricing::fargate::FREE_EPHEMERAL_GB, |e| {
            f64::from(e.size_in_gib())
        });
    let task = pricing::fargate::Task {
        vcpu,
        memory_gb: gb,
        arm,
        spot,
        ephemeral_gb,
        public_ip,
    };
    let cost = monthly_cost(&region, &task, hours).ok();
    let report = serde_json::json!({
        "cluster": t.cluster, "service": t.service,
        "desired": svc.desired_count, "running": svc.running_count, "pending": svc.pending_count,
        "scalable_target": st, "schedule": actions,
        "task_hours_per_month": hours, "monthly_task_cost": cost, "region": region,
        "price_known": cost.is_some(), "spend_cap": cap.to_json(),
        "api_calls": aws.api_calls(),
    });
    if out.is_json() {
        return out.json(&report);
    }
    let mut tbl = new_table(["field", "value"]);
    tbl.add_row(vec![
        "service".to_string(),
        format!("{}/{}", t.cluster, t.service),
    ]);
    tbl.add_row(vec![
        "tasks".to_string(),
        format!(
            "{} running, {} pending, {} desired",
            svc.running_count, svc.pending_count, svc.desired_count
        ),
    ]);
    tbl.add_row(vec![
        "task size".to_string(),
        format!(
            "{vcpu} vCPU / {gb} GB {}",
            if arm { "ARM64" } else { "x86" }
        ),
    ]);
    tbl.add_row(vec![
        "autoscaling".to_string(),
        st.as_ref().map_or("no scalable target".into(), |s| {
            format!(
                "min {} max {}{}",
                s.min,
                s.max,
                if s.schedule_suspended {
                    ", schedule suspended"
                } else {
                    ""
                }
            )
        }),
    ]);
    tbl.add_row(vec![
        "spend cap".to_string(),
        match &cap {
            crate::cap::Cap::Capped(_) => format!("{}: {}", cap.describe(), cap.hint()),
            _ => cap.describe(),
        },
    ]);
    if actions.is_empty() {
        tbl.add_row(vec!["schedule".to_string(), "none: runs 24x7".into()]);
    }
    for a in &actions {
        tbl.add_row(vec![
            "schedule".to_string(),
            format!(
                "{} {} ({}) -> {}..{}",
                a.name,
                a.schedule,
                a.timezone.as_deref().unwrap_or("UTC"),
                a.min.unwrap_or(0),
                a.max.unwrap_or(0)
            ),
        ]);
    }
    tbl.add_row(vec!["task-hours/month".to_string(), format!("{hours:.1}")]);
    let held = matches!(cap, crate::cap::Cap::Capped(_));
    tbl.add_row(vec![
        "monthly task cost".to_string(),
        match &cost {
            Some(cost) => format!(
                "{}${:.2} (compute ${:.2} + public IPv4 ${:.2}, {region} on-demand){}",
                if held {
                    "none while the spend cap holds; "
                } else {
                    ""
                },
                cost.total,
                cost.compute,
                cost.public_ip,
                if held { " once resumed" } else { "" }
            ),
            None => format!("unknown: the price catalog has no Fargate prices for {region}"),
        },
    ]);
    out.table(&tbl)?;
    if let Some(n) = note {
        out.warn(n);
    }
    Ok(())
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
        let t = ScalableTarget {
            min: 1,
            max: 2,
            schedule_suspended: false,
        };
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
