//! `ecs-deploy` arguments; the command itself is [`crate::deploy::run`].

use super::{ServiceArgs, footer};
use crate::deploy;
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Result};
use clap::Parser;

const DEPLOY_EXAMPLES: &str = "\
Examples:
  ecs-deploy --service app-service --environment dev --tag v42
  ecs-deploy --service app-service --environment dev \\
    --image 123.dkr.ecr.us-east-1.amazonaws.com/fft/app:v42
  # the diff and the checks only
  ecs-deploy --service app-service --environment dev --tag v42 --dry-run
  ecs-deploy --service app-service --environment dev --rollback
  # redeploy the current revision
  ecs-deploy --service app-service --environment dev";

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

impl DeployCli {
    /// The library request these arguments stand for.
    pub fn request(&self) -> deploy::Request {
        deploy::Request {
            cluster: self.target.cluster.clone(),
            service: self.target.service.clone(),
            image: self.image.clone(),
            tag: self.tag.clone(),
            container: self.container.clone(),
            env: self.env.clone(),
            secrets: self.secrets.clone(),
            dry_run: self.dry_run,
            no_wait: self.no_wait,
            timeout_secs: self.timeout,
            rollback: self.rollback,
            keep_failed: self.keep_failed,
            skip_checks: self.skip_checks,
            health_url: self.health_url.clone(),
        }
    }
}

pub async fn deploy_main(cli: DeployCli) -> Result<()> {
    deploy::run(&Context::resolve(&cli.global)?, cli.request()).await
}
