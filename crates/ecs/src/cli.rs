//! Argument parsers and entry points of the three binaries.

use crate::deploy::{self, Clients, Options};
use crate::logs::{self, LogTarget};
use crate::rollout::Outcome;
use crate::scale::{self, WorkingHours};
use crate::target::{self, Target};
use crate::taskdef::{self, Change};
use aws_core::cli::GlobalArgs;
use aws_core::output::{new_table, write_stdout};
use aws_core::{Context, Error, Result};
use clap::{Args, Parser, Subcommand};
use std::time::Duration;

/// The service a command acts on.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// ECS service name (default: the environment's only entry of `services` in
    /// fargate.toml).
    #[arg(long, short = 's')]
    pub service: Option<String>,
    /// Cluster (default: `cluster` of the environment in fargate.toml).
    #[arg(long)]
    pub cluster: Option<String>,
}

impl ServiceArgs {
    fn resolve(&self, ctx: &Context) -> Result<Target> {
        target::resolve(ctx, self.cluster.as_deref(), self.service.as_deref())
    }
}

fn footer(examples: &str) -> String {
    format!("{examples}\n\n{}", aws_core::exit::help_footer())
}

// ------------------------------------------------------------------ ecs-deploy

const DEPLOY_EXAMPLES: &str = "\
Examples:
  ecs-deploy --service app-service --environment dev --tag v42
  ecs-deploy --service app-service --environment dev --image 123.dkr.ecr.us-east-1.amazonaws.com/fft/app:v42
  ecs-deploy --service app-service --environment dev --tag v42 --dry-run   # diff + checks only
  ecs-deploy --service app-service --environment dev --rollback
  ecs-deploy --service app-service --environment dev                      # redeploy the current revision";

#[derive(Debug, Parser)]
#[command(
    name = "ecs-deploy",
    version,
    about = "Roll an ECS service to a new image and wait until the outcome is certain.",
    long_about = "Roll an ECS service to a new image and wait until the outcome is certain.\n\n\
Takes the service's current task definition, changes only what you ask (image or tag, env\n\
vars, SSM secrets), shows the diff, checks that the image, the SSM parameters and the\n\
execution role exist, registers the revision and updates the service. Then it follows the\n\
rollout (deployments, new events, stopped tasks with their reasons) and exits 0 only when\n\
the new revision is PRIMARY and COMPLETED. A circuit-breaker rollback, a failed rollout,\n\
someone else's deployment or the timeout exit 1 with the reason.",
    after_help = DEPLOY_EXAMPLES,
    after_long_help = footer(DEPLOY_EXAMPLES),
)]
pub struct DeployCli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub target: ServiceArgs,
    /// New image URI for the container.
    #[arg(long, conflicts_with = "tag")]
    pub image: Option<String>,
    /// New tag for the container's current image repository.
    #[arg(long)]
    pub tag: Option<String>,
    /// Container to change (default: the only one, or `app`).
    #[arg(long)]
    pub container: Option<String>,
    /// Set a plain environment variable (repeatable). Never put secrets here: use --secret.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Inject an SSM parameter as an environment variable (repeatable).
    #[arg(long = "secret", value_name = "NAME=/ssm/path")]
    pub secrets: Vec<String>,
    /// Show the diff and run the checks; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not wait for the rollout.
    #[arg(long)]
    pub no_wait: bool,
    /// Give up waiting after this many seconds (exit 1).
    #[arg(long, default_value_t = 900, value_name = "SECONDS")]
    pub timeout: u64,
    /// Redeploy the previous revision of the task definition family.
    #[arg(long, conflicts_with_all = ["image", "tag", "env", "secrets"])]
    pub rollback: bool,
    /// Keep the failed revision registered after a rollback (default: deregister it).
    #[arg(long)]
    pub keep_failed: bool,
    /// Skip the image / parameter / role checks.
    #[arg(long)]
    pub skip_checks: bool,
    /// After a successful rollout, GET this URL (e.g. http://ALB-DNS/health) until it
    /// answers 2xx (up to a minute); exit 1 if it does not. `auto`: the environment's
    /// Terraform `app_url` output + /health.
    #[arg(long, value_name = "URL")]
    pub health_url: Option<String>,
}

pub async fn deploy_main(cli: DeployCli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    let out = ctx.output();
    let t = cli.target.resolve(&ctx)?;
    let change = Change {
        image: cli.image.clone(),
        tag: cli.tag.clone(),
        container: cli.container.clone(),
        env: taskdef::parse_pairs(&cli.env, "--env").map_err(Error::invalid)?,
        secrets: taskdef::parse_pairs(&cli.secrets, "--secret").map_err(Error::invalid)?,
    };
    if let Some(bad) = change
        .secrets
        .iter()
        .find(|(_, v)| !(v.starts_with('/') || v.starts_with("arn:")))
    {
        return Err(Error::invalid(format!(
            "--secret {}={}: the value is an SSM parameter name (/app/dev/...) or ARN, never the secret itself",
            bad.0, "..."
        )));
    }
    if cli.timeout == 0 {
        return Err(Error::invalid("--timeout must be at least 1 second"));
    }
    // Everything that can be wrong with the input is found before any change.
    if let Some(image) = &cli.image {
        crate::image_ref::check_reference(image)
            .map_err(|e| Error::invalid(format!("--image: {e}")))?;
    }
    if let Some(tag) = &cli.tag {
        crate::image_ref::check_tag(tag).map_err(|e| Error::invalid(format!("--tag: {e}")))?;
    }
    let health_url = match cli.health_url.as_deref() {
        None => None,
        Some("auto") => Some(
            ctx.terraform_outputs()
                .and_then(|o| o.get("app_url")?.as_str().map(|u| format!("{}/health", u.trim_end_matches('/'))))
                .ok_or_else(|| Error::invalid("--health-url auto needs an initialised terraform_dir with an app_url output"))?,
        ),
        Some(url) => Some(url.to_string()),
    };
    if let Some(url) = &health_url {
        aws_core::preflight::check_endpoint(url, "--health-url")?;
    }
    for (name, _) in &change.env {
        if taskdef::looks_secret(name) {
            out.warn(format!(
                "--env {name}=...: the value is stored in plain text in the task definition, \
                 visible to anyone who can describe it; for a secret use --secret {name}=/ssm/parameter/path"
            ));
        }
    }
    let opts = Options {
        change,
        dry_run: cli.dry_run,
        wait: !cli.no_wait,
        timeout: Duration::from_secs(cli.timeout),
        deregister_failed: !cli.keep_failed,
        skip_checks: cli.skip_checks,
    };
    let sdk = ctx.sdk_config().await?;
    let clients = Clients::new(&sdk);
    let report = if cli.rollback {
        let (failed, previous) = deploy::previous_revision(&clients, &t, &out).await?;
        let r = deploy::deploy_revision(&clients, &t, &previous, &opts, &out).await?;
        if matches!(r.outcome, Some(Outcome::Succeeded)) && opts.deregister_failed && !opts.dry_run
        {
            deploy::deregister(&clients, &failed, "the failed revision", &out).await;
        }
        r
    } else {
        deploy::deploy(&clients, &t, &opts, &out).await?
    };
    if out.is_json() {
        out.json(&report)?;
    }
    tracing::info!(api_calls = report.api_calls, "ecs-deploy finished");
    if let (Some(Outcome::Succeeded), Some(url)) = (&report.outcome, &health_url) {
        check_health(url, &out).await?;
    }
    match &report.outcome {
        None | Some(Outcome::Succeeded) => {
            if report.outcome.is_some() {
                out.success(format!(
                    "{} is PRIMARY and COMPLETED on {}/{} ({}s, {} API calls)",
                    report.task_definition.rsplit('/').next().unwrap_or(""),
                    t.cluster,
                    t.service,
                    report.seconds,
                    report.api_calls
                ));
            }
            Ok(())
        }
        Some(o) => {
            for r in &report.stop_reasons {
                out.note(format!("  {r}"));
            }
            Err(Error::Failed(match o {
                Outcome::RolledBack {
                    reason,
                    now_running,
                } => format!(
                    "deployment failed and was rolled back to {}: {reason}",
                    now_running.rsplit('/').next().unwrap_or(now_running)
                ),
                Outcome::RolloutFailed { reason } => format!("rollout failed: {reason}"),
                Outcome::Replaced { by } => format!(
                    "another deployment ({}) replaced ours before it completed",
                    by.rsplit('/').next().unwrap_or(by)
                ),
                Outcome::TimedOut { after_secs, state } => {
                    format!("timed out after {after_secs}s; state: {state}")
                }
                Outcome::InProgress | Outcome::Succeeded => "unexpected state".into(),
            }))
        }
    }
}

async fn check_health(url: &str, out: &aws_core::output::Output) -> Result<()> {
    let mut last = String::new();
    for attempt in 0..12 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        let u = url.to_string();
        let res =
            tokio::task::spawn_blocking(move || crate::health::probe(&u, Duration::from_secs(5)))
                .await
                .map_err(|e| Error::Failed(e.to_string()))?;
        match res {
            Ok(code) if (200..300).contains(&code) => {
                out.success(format!("{url} answered {code}"));
                return Ok(());
            }
            Ok(code) => last = format!("HTTP {code}"),
            Err(e) => last = e,
        }
    }
    Err(Error::Failed(format!(
        "the rollout completed but {url} did not answer 2xx within a minute (last: {last}); see docs/runbooks/health-check-failures.md"
    )))
}

// ------------------------------------------------------------------ ecs-logs

const LOGS_EXAMPLES: &str = "\
Examples:
  ecs-logs --service app-service --environment dev --follow
  ecs-logs --service app-service --environment dev --since 1h --filter ERROR
  ecs-logs --service app-service --environment dev --task 0f2e... -o json | jq .message";

#[derive(Debug, Parser)]
#[command(
    name = "ecs-logs",
    version,
    about = "Show (and follow) an ECS service's CloudWatch logs.",
    long_about = "Show (and follow) an ECS service's CloudWatch logs.\n\n\
Finds the log group and stream prefix in the awslogs configuration of the service's task\n\
definition. --follow polls every 2 s without duplicates or gaps; Ctrl-C exits cleanly.\n\
Note: Logs Insights scans and ingestion count against CloudWatch's 5 GB free tier;\n\
reading with FilterLogEvents does not.",
    after_help = LOGS_EXAMPLES,
    after_long_help = footer(LOGS_EXAMPLES),
)]
pub struct LogsCli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(flatten)]
    pub target: ServiceArgs,
    /// Container whose logs to show (default: the only one, or `app`).
    #[arg(long)]
    pub container: Option<String>,
    /// Start this far back: 30s, 10m, 1h, 2d, or an ISO time.
    #[arg(long, default_value = "10m")]
    pub since: String,
    /// CloudWatch filter pattern, e.g. ERROR or "{ $.level = \"error\" }".
    #[arg(long)]
    pub filter: Option<String>,
    /// Only this task's logs (task ID or ARN).
    #[arg(long)]
    pub task: Option<String>,
    /// Keep printing new events until Ctrl-C.
    #[arg(long, short = 'f')]
    pub follow: bool,
}

pub async fn logs_main(cli: LogsCli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    let out = ctx.output();
    let t = cli.target.resolve(&ctx)?;
    let start = logs::parse_since(&cli.since, logs::now_ms()).map_err(Error::invalid)?;
    let sdk = ctx.sdk_config().await?;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let cw = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let lt = log_target(&ecs, &t, cli.container.as_deref()).await?;
    let mut seen = logs::Seen::new();
    let color = aws_core::output::stderr_color() && !out.is_json();
    let mut from = start;
    loop {
        let events = logs::fetch(
            &cw,
            &lt,
            from,
            cli.filter.as_deref(),
            cli.task.as_deref(),
            &mut seen,
        )
        .await?;
        for e in &events {
            print_event(e, out.is_json(), color)?;
            from = from.max(e.timestamp - logs::LOOKBACK_MS);
        }
        if !cli.follow {
            if events.is_empty() && !out.is_json() {
                out.note(format!("no events in {} since {}", lt.group, cli.since));
            }
            return Ok(());
        }
        tokio::select! {
            _ = tokio::time::sleep(logs::FOLLOW_INTERVAL) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        from = from
            .max(logs::now_ms() - logs::LOOKBACK_MS)
            .min(logs::now_ms());
    }
}

fn print_event(e: &logs::LogEvent, json: bool, color: bool) -> Result<()> {
    use std::io::IsTerminal;
    // On a terminal, a log line must not be able to move the cursor, retitle the
    // window or hide text: control characters are shown, not obeyed. Piped output
    // stays byte-exact.
    let inert = std::io::stdout().is_terminal();
    write_stdout(&render_event(e, json, color, inert)?)
}

/// One event as printed: a JSON line, or `time task message`.
pub fn render_event(e: &logs::LogEvent, json: bool, color: bool, inert: bool) -> Result<String> {
    if json {
        let line = serde_json::to_string(e).map_err(|err| Error::Failed(err.to_string()))?;
        return Ok(format!("{line}\n"));
    }
    let ts = aws_smithy_types::DateTime::from_millis(e.timestamp)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    let task = e.stream.rsplit('/').next().unwrap_or(&e.stream);
    let task: String = task.chars().take(8).collect();
    let message = if inert {
        aws_core::output::escape_control(e.message.trim_end())
    } else {
        e.message.trim_end().to_string()
    };
    Ok(if color {
        // One colour per task, so interleaved tasks can be told apart.
        let palette = [
            anstyle::AnsiColor::Cyan,
            anstyle::AnsiColor::Magenta,
            anstyle::AnsiColor::Yellow,
            anstyle::AnsiColor::Green,
            anstyle::AnsiColor::Blue,
        ];
        let idx = task.bytes().map(usize::from).sum::<usize>() % palette.len();
        let style = anstyle::Style::new().fg_color(Some(palette[idx].into()));
        format!("{ts} {style}{task}{style:#} {message}\n")
    } else {
        format!("{ts} {task} {message}\n")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_on_a_terminal_cannot_drive_it() {
        let e = logs::LogEvent {
            timestamp: 0,
            stream: "app/app/0123456789".into(),
            message: "boom \u{1b}]0;pwned\u{7}\u{1b}[2J".into(),
            id: "1".into(),
        };
        let shown = render_event(&e, false, false, true).expect("render");
        assert_eq!(
            shown,
            "1970-01-01T00:00:00Z 01234567 boom \\x1b]0;pwned\\x07\\x1b[2J\n"
        );
        let piped = render_event(&e, false, false, false).expect("render");
        assert!(piped.contains("\u{1b}]0;pwned"));
    }
}

async fn log_target(
    ecs: &aws_sdk_ecs::Client,
    t: &Target,
    container: Option<&str>,
) -> Result<LogTarget> {
    let calls = crate::observe::Calls::default();
    let service = crate::observe::describe_service(ecs, t, &calls).await?;
    let td_arn = service.task_definition.clone().unwrap_or_default();
    let td = crate::observe::describe_task_definition(ecs, &td_arn, &calls).await?;
    let defs = td.container_definitions();
    let names: Vec<&str> = defs.iter().filter_map(|c| c.name.as_deref()).collect();
    let def = match container {
        Some(c) => defs.iter().find(|d| d.name.as_deref() == Some(c)),
        None if defs.len() == 1 => defs.first(),
        None => defs.iter().find(|d| d.name.as_deref() == Some("app")),
    }
    .ok_or_else(|| {
        Error::invalid(format!(
            "choose a container with --container: {}",
            names.join(", ")
        ))
    })?;
    let cfg = def
        .log_configuration()
        .filter(|l| l.log_driver.as_str() == "awslogs")
        .ok_or_else(|| {
            Error::invalid(format!(
                "container {} does not use the awslogs driver; its logs are not in CloudWatch",
                def.name.as_deref().unwrap_or("?")
            ))
        })?;
    let opt = |k: &str| cfg.options().and_then(|o| o.get(k)).cloned();
    Ok(LogTarget {
        group: opt("awslogs-group")
            .ok_or_else(|| Error::invalid("awslogs configuration has no awslogs-group"))?,
        stream_prefix: opt("awslogs-stream-prefix"),
        container: def.name.clone().unwrap_or_default(),
    })
}

// ------------------------------------------------------------------ ecs-scale

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
