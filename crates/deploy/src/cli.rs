//! `deploy` arguments; the command itself is [`crate::run::run`].

use crate::run::{self, Request};
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Result};
use clap::{Parser, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  # plan, cost gate, confirm, apply, probe
  deploy --environment dev --tier free
  # stop after the cost gate
  deploy --environment dev --dry-run
  # ... and roll the service to image tag v42
  deploy --environment dev --tag v42 --yes
  # stop the environment past 15 USD a month
  deploy --environment dev --cap 15
  # CI
  deploy --environment dev --max-monthly 10 --yes --output json
  # tear down; prints the monthly cost it stops
  deploy --environment dev --destroy";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TierArg {
    /// Only the budget is checked.
    Any,
    /// Also refuse HIGH cost traps (NAT gateway, RDS Extended Support, Container
    /// Insights, interface endpoints) and a service without a scale-to-zero schedule.
    Free,
}

#[derive(Debug, Parser)]
#[command(
    name = "deploy",
    version,
    about = "Deploy an environment: Terraform plan, cost gate, apply, rollout, health probe.",
    long_about = "Deploy an environment: Terraform plan, cost gate, apply, rollout, health probe.\n\n\
Pre-flight (AWS account, region, Terraform >= 1.11, state backend), then `terraform init`\n\
and `plan`; the saved plan is priced by the cost engine (monthly total, change against what\n\
runs now, cost traps) and checked against the budget. A refused plan exits 8 and applies\n\
nothing. After a confirmation (--yes when there is no terminal) the saved plan is applied\n\
with live progress. With --tag the service is rolled to that image by digest (a failed\n\
rollout is rolled back). Then the app URL from the Terraform outputs is probed and a summary\n\
shows what changed, the monthly cost, the budget headroom and the time of each phase.",
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n{}", aws_core::exit::help_footer()),
)]
pub struct Cli {
    /// Cost gate in USD per month (default: the environment's `budget` in fargate.toml).
    #[arg(long, value_name = "USD")]
    pub max_monthly: Option<f64>,
    /// Spend cap in USD per month, or `off`: past it the environment's cost guard
    /// scales it to zero until `ecs-scale resume` (sets the root's `spend_cap_usd`;
    /// default: `spend_cap` in fargate.toml, else the root's own default).
    #[arg(long, value_name = "USD|off", conflicts_with = "destroy")]
    pub cap: Option<String>,
    /// Usage assumptions of the cost gate (the estimate-costs format; default:
    /// `usage.toml` in the environment's terraform_dir when there is one).
    #[arg(long, value_name = "FILE")]
    pub usage_file: Option<std::path::PathBuf>,
    /// `free` also refuses cost traps no free-tier stack should carry.
    #[arg(long, value_enum, default_value_t = TierArg::Any)]
    pub tier: TierArg,
    /// Image tag (already in the environment's ECR repository) to roll the service to
    /// after the apply, deployed by digest.
    #[arg(long, conflicts_with = "destroy")]
    pub tag: Option<String>,
    /// S3 bucket of the Terraform state, when the root's backend block names none
    /// (default: `state_bucket` in fargate.toml, else the `state_bucket` output of
    /// terraform/global).
    #[arg(long, value_name = "BUCKET", env = "FARGATE_STATE_BUCKET")]
    pub state_bucket: Option<String>,
    /// Terraform input variable for this run (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// URL probed after the apply: `auto` (the `app_url` output + /health), a URL, or `off`.
    #[arg(
        long,
        value_name = "URL|auto|off",
        default_value = "auto",
        conflicts_with = "destroy"
    )]
    pub health_url: String,
    /// Seconds the health probe waits for a 2xx answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 180)]
    pub health_timeout: u64,
    /// Seconds to wait for the rollout of --tag.
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    pub rollout_timeout: u64,
    /// Stop after the cost gate: nothing is applied.
    #[arg(long)]
    pub dry_run: bool,
    /// Apply without asking (required when there is no terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// When the apply fails on an environment that did not exist before this run,
    /// destroy what it created so nothing is left billing.
    #[arg(long, conflicts_with = "destroy")]
    pub cleanup_on_failure: bool,
    /// Destroy the environment instead (asks first; prints the monthly cost it stops).
    #[arg(long)]
    pub destroy: bool,
    #[command(flatten)]
    pub global: GlobalArgs,
}

impl Cli {
    pub fn request(&self) -> Request {
        Request {
            max_monthly: self.max_monthly,
            cap: self.cap.clone(),
            usage_file: self.usage_file.clone(),
            free_tier: self.tier == TierArg::Free,
            tag: self.tag.clone(),
            vars: self.vars.clone(),
            state_bucket: self.state_bucket.clone(),
            health_url: self.health_url.clone(),
            health_timeout_secs: self.health_timeout,
            rollout_timeout_secs: self.rollout_timeout,
            dry_run: self.dry_run,
            yes: self.yes,
            cleanup_on_failure: self.cleanup_on_failure,
            destroy: self.destroy,
        }
    }
}

pub async fn main(cli: Cli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    run::run(&ctx, cli.request()).await
}
