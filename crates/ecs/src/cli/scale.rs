//! `ecs-scale` arguments; the commands are [`crate::scale::run`], [`crate::scale::status`]
//! and [`crate::cap::resume`].

use super::{ServiceArgs, footer};
use crate::scale;
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Result};
use clap::{Args, Parser, Subcommand};

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
At zero tasks the default HTTP API ingress bills only per request; with ingress = \"alb\"\n\
the ALB and its public IPs still bill ({idle}).",
    )
}

const SCALE_EXAMPLES: &str = "\
Examples:
  # stop paying for tasks now
  ecs-scale --service app-service --desired-count 0
  ecs-scale --service app-service --desired-count 1 --environment dev
  ecs-scale --service app-service --schedule \"Mon-Fri 08:00-19:00\" \\
    --time-zone Europe/Berlin
  ecs-scale --service app-service --clear-schedule
  # counts, schedule, monthly cost
  ecs-scale status --service app-service
  # undo the spend cap's stop
  ecs-scale resume --environment dev";

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
    /// Counts, scaling bounds, schedule, on-hours, monthly task cost and the spend cap.
    Status(StatusArgs),
    /// Undo the spend cap's stop: restore each service's count, autoscaling bounds and
    /// schedule, and the HTTP API's throttle, from the cap's record; then delete it.
    Resume(ResumeArgs),
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Cluster (default: `cluster` of the environment in fargate.toml, or the
    /// `cluster_name` output of its Terraform root).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Show what would be restored without changing it.
    #[arg(long)]
    pub dry_run: bool,
    /// Confirm without a prompt (the environment bills again from now).
    #[arg(long, short = 'y')]
    pub yes: bool,
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

impl ScaleArgs {
    /// The library request these arguments stand for.
    pub fn request(&self) -> scale::Request {
        scale::Request {
            cluster: self.cluster.clone(),
            service: self.service.clone(),
            desired_count: self.desired_count,
            schedule: self.schedule.clone(),
            time_zone: self.time_zone.clone(),
            clear_schedule: self.clear_schedule,
            no_wait: self.no_wait,
            timeout_secs: self.timeout,
            dry_run: self.dry_run,
            yes: self.yes,
        }
    }
}

pub async fn scale_main(cli: ScaleCli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    match &cli.command {
        Some(ScaleCommand::Status(s)) => {
            scale::status(
                &ctx,
                s.target.cluster.as_deref(),
                s.target.service.as_deref(),
            )
            .await
        }
        Some(ScaleCommand::Resume(r)) => {
            crate::cap::resume(
                &ctx,
                crate::cap::ResumeRequest {
                    cluster: r.cluster.clone(),
                    dry_run: r.dry_run,
                    yes: r.yes,
                },
            )
            .await
        }
        None => scale::run(&ctx, cli.args.request()).await,
    }
}
