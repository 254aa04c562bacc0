//! `ecs-deploy`: arguments, input checks, and the rollout report.

use super::{ServiceArgs, footer};
use crate::deploy::{self, Clients, Options};
use crate::rollout::Outcome;
use crate::taskdef::{self, Change};
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Error, Result};
use clap::Parser;
use std::time::Duration;

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
    let mut last;
    let mut poller = crate::poll::Poller::new(crate::poll::EVERY_5S, Duration::from_secs(60));
    loop {
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
        if poller.timed_out() {
            break;
        }
        poller.wait().await;
    }
    Err(Error::Failed(format!(
        "the rollout completed but {url} did not answer 2xx within a minute (last: {last}); see docs/runbooks/health-check-failures.md"
    )))
}
