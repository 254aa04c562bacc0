//! `ecs-scale`: arguments, scaling and schedules, and `status`.

use super::{ServiceArgs, footer};
use crate::scale::{self, WorkingHours};
use crate::target::{self, Target};
use aws_core::cli::GlobalArgs;
use aws_core::output::new_table;
use aws_core::{Context, Error, Result};
use clap::{Args, Parser, Subcommand};
use std::time::Duration;

/// The long help, with what an idle stack still costs taken from the price catalog.
fn scale_long_about() -> String {
    let cat = pricing::catalog::Catalog::builtin();
    let idle = cat
        .price("elb.alb.hour", "us-east-1")
        .and_then(|alb| Ok(alb + 2.0 * cat.price("vpc.public_ipv4.hour", "us-east-1")?))
        .map(|per_hour| {
            format!(
                "about ${:.2}/month in us-east-1",
                per_hour * cat.hours_per_month
            )
        })
        .unwrap_or_else(|_| "see estimate-costs".into());
    format!(
        "Scale an ECS service (to zero off-hours), keeping autoscaling consistent.\n\n\
Sets the desired count and, when an Application Auto Scaling target exists, widens its\n\
min/max so autoscaling does not undo the change. --schedule creates or updates scheduled\n\
actions (0 tasks outside the hours, the desired count inside); `status` shows the counts,\n\
the schedule, the on-hours per month it implies and what the tasks cost at that schedule.\n\
At zero tasks the ALB and its public IPs still bill ({idle}).",
    )
}

const SCALE_EXAMPLES: &str = "\
Examples:
  ecs-scale --service app-service --desired-count 0           # stop paying for tasks now
  ecs-scale --service app-service --desired-count 1 --environment dev
  ecs-scale --service app-service --schedule \"Mon-Fri 08:00-19:00\" --time-zone Europe/Berlin
  ecs-scale --service app-service --clear-schedule
  ecs-scale status --service app-service                      # counts, schedule, monthly cost";

#[derive(Debug, Parser)]
#[command(
    name = "ecs-scale",
    version,
    about = "Scale an ECS service (to zero off-hours), keeping autoscaling consistent.",
    long_about = scale_long_about(),
    after_help = SCALE_EXAMPLES,
    after_long_help = footer(SCALE_EXAMPLES),
    args_conflicts_with_subcommands = true,
)]
pub struct ScaleCli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<ScaleCommand>,
    #[command(flatten)]
    pub args: ScaleArgs,
}

#[derive(Debug, Subcommand)]
pub enum ScaleCommand {
    /// Counts, scaling bounds, schedule, on-hours and monthly task cost.
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: ServiceArgs,
}

#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// ECS service name (default: the environment's only entry of `services` in
    /// fargate.toml).
    #[arg(long, short = 's')]
    pub service: Option<String>,
    /// Cluster (default: `cluster` of the environment in fargate.toml).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Tasks to run now (with --schedule: tasks during the working hours; default 1).
    #[arg(long, value_name = "N")]
    pub desired_count: Option<i32>,
    /// Working hours, e.g. "Mon-Fri 08:00-19:00": zero tasks outside them.
    #[arg(long, conflicts_with = "clear_schedule")]
    pub schedule: Option<String>,
    /// IANA time zone of the schedule.
    #[arg(long, default_value = "UTC", requires = "schedule")]
    pub time_zone: String,
    /// Delete the scale-up/scale-down scheduled actions.
    #[arg(long)]
    pub clear_schedule: bool,
    /// Do not wait for the running count to reach the target.
    #[arg(long)]
    pub no_wait: bool,
    /// Give up waiting after this many seconds (exit 1).
    #[arg(long, default_value_t = 600, value_name = "SECONDS")]
    pub timeout: u64,
    /// Show what would change without changing it.
    #[arg(long)]
    pub dry_run: bool,
    /// Confirm without a prompt (scaling a `protected` environment to zero, or deleting
    /// its schedule, asks first).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub async fn scale_main(cli: ScaleCli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    let out = ctx.output();
    if let Some(ScaleCommand::Status(s)) = &cli.command {
        let t = s.target.resolve(&ctx)?;
        return status(&ctx, &t).await;
    }
    let a = &cli.args;
    let t = target::resolve(&ctx, a.cluster.as_deref(), a.service.as_deref())?;
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
    if hours.is_some() && !scale::valid_time_zone(&a.time_zone) {
        return Err(Error::invalid(format!(
            "--time-zone {}: not a time zone of the IANA database; use a name like \
             Europe/Berlin, America/New_York or UTC",
            aws_core::output::escape_control(&a.time_zone)
        )));
    }
    let name_prefix = ctx.environment_config().and_then(|e| e.name_prefix.clone());
    let sdk = ctx.sdk_config().await?;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let aas = aws_sdk_applicationautoscaling::Client::new(&sdk);
    let calls = crate::observe::Calls::default();
    let service_now = crate::observe::describe_service(&ecs, &t, &calls).await?;
    let existing_target = scale::scalable_target(&aas, &t).await?;

    if let Some(h) = &hours {
        let working = a.desired_count.unwrap_or(1);
        let existing = scale::scheduled_actions(&aas, &t).await?;
        let (up, down) = scale::action_names(&existing, &t.service, name_prefix.as_deref());
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
        let plan = scale::SchedulePlan {
            up: (up, h.up_cron()),
            down: (down, h.down_cron()),
            time_zone: a.time_zone.clone(),
            working,
            max,
        };
        scale::apply_schedule(&aas, &t, &plan, existing_target.as_ref(), &existing, &out).await?;
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
        let existing = scale::scheduled_actions(&aas, &t).await?;
        let (owned, others) = scale::partition_owned(&existing, &t.service, name_prefix.as_deref());
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
                scale::delete_action(&aas, &t, &s.name).await?;
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
        && let Some((min, max)) = scale::widen(st, n)
    {
        scale::register_target(&aas, &t, min, max).await?;
        out.note(format!(
            "autoscaling bounds {}..{} -> {min}..{max}, so autoscaling keeps {n} task(s)",
            st.min, st.max
        ));
    }
    crate::observe::set_desired_count(&ecs, &t, n, &calls).await?;
    out.success(format!(
        "{}/{}: desired count {before} -> {n}",
        t.cluster, t.service
    ));
    if n == 0 {
        out.note("at zero tasks the ALB and its public IPv4 addresses still bill; `terraform destroy` stops them");
    }
    if !a.no_wait {
        scale::wait_for_count(
            &ecs,
            &t,
            n,
            Duration::from_secs(a.timeout),
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

async fn status(ctx: &Context, t: &Target) -> Result<()> {
    let out = ctx.output();
    let sdk = ctx.sdk_config().await?;
    let region = sdk
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let aas = aws_sdk_applicationautoscaling::Client::new(&sdk);
    let calls = crate::observe::Calls::default();
    let svc = crate::observe::describe_service(&ecs, t, &calls).await?;
    let st = scale::scalable_target(&aas, t).await?;
    let actions = scale::scheduled_actions(&aas, t).await?;
    let td = Some(
        crate::observe::describe_task_definition(
            &ecs,
            svc.task_definition().unwrap_or_default(),
            &calls,
        )
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
    let cost = scale::monthly_cost(&region, &task, hours).ok();
    let report = serde_json::json!({
        "cluster": t.cluster, "service": t.service,
        "desired": svc.desired_count, "running": svc.running_count, "pending": svc.pending_count,
        "scalable_target": st, "schedule": actions,
        "task_hours_per_month": hours, "monthly_task_cost": cost, "region": region,
        "price_known": cost.is_some(),
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
            format!("min {} max {}", s.min, s.max)
        }),
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
    tbl.add_row(vec![
        "monthly task cost".to_string(),
        match &cost {
            Some(cost) => format!(
                "${:.2} (compute ${:.2} + public IPv4 ${:.2}, {region} on-demand)",
                cost.total, cost.compute, cost.public_ip
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
