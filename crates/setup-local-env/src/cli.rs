//! `setup-local-env` arguments; the command itself is [`crate::run::run`].

use crate::checks::Workflow;
use crate::run::{self, Request};
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Result};
use clap::Parser;

const EXAMPLES: &str = "\
Examples:
  # is this machine ready to deploy to AWS?
  setup-local-env
  # write the profile and region to fargate.toml, install the git hooks
  setup-local-env --fix --profile dev-sso --region eu-west-1
  # prepare cargo xtask deploy --emulator (the moto virtualenv)
  setup-local-env --emulator --fix
  # the checklist for scripts
  setup-local-env --output json";

#[derive(Debug, Parser)]
#[command(
    name = "setup-local-env",
    version,
    about = "Check this machine for the fargate-free-tier workflows; --fix prepares what is safe.",
    long_about = "Check this machine for the fargate-free-tier workflows; --fix prepares what is safe.\n\n\
A checklist: Terraform (>= 1.11: the state backend's S3 native locking), the hashicorp/aws\n\
provider (registry or a local filesystem mirror), the AWS CLI (v2 for `aws sso login`),\n\
credentials that work (sts:GetCallerIdentity; an expired SSO session names its login\n\
command), the region, Docker or Podman (only for push-to-ecr --build), Python with moto\n\
(the local emulator) and the repository's git hooks. Each gap comes with its fix.\n\n\
--fix does only what is local and safe: adds --profile and --region to fargate.toml (as\n\
given on the command line, never from AWS_PROFILE/AWS_REGION; never overwriting a\n\
value; a profile AWS's files do not define is refused), writes ~/.terraformrc when a\n\
provider mirror is on disk but no CLI configuration uses it (so a plain terraform init\n\
works offline; an existing one is never edited), installs the git hooks, and with\n\
--emulator creates the Python virtualenv. System packages are never installed: their\n\
command is printed.",
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\nExit 0 when everything the chosen workflow needs is present, 8 when not.\n\n{}", aws_core::exit::help_footer()),
)]
pub struct Cli {
    /// Check (and with --fix prepare) the offline emulator path of `cargo xtask deploy
    /// --emulator` instead of an AWS account: moto and a provider mirror, no credentials.
    #[arg(long)]
    pub emulator: bool,
    /// Also fix what is local and safe (fargate.toml, git hooks, the emulator's virtualenv).
    #[arg(long)]
    pub fix: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

pub async fn main(cli: Cli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    let request = Request {
        workflow: if cli.emulator {
            Workflow::Emulator
        } else {
            Workflow::Aws
        },
        fix: cli.fix,
        // Only what the command line says is written into fargate.toml: AWS_PROFILE
        // and AWS_REGION describe this shell, not the project.
        region: given("--region")
            .then(|| cli.global.region.clone())
            .flatten(),
        profile: given("--profile")
            .then(|| cli.global.profile.clone())
            .flatten(),
    };
    run::run(&ctx, request).await
}

/// Whether `flag` was on the command line (as `--flag VALUE` or `--flag=VALUE`), not
/// filled from its environment variable.
fn given(flag: &str) -> bool {
    std::env::args().any(|a| a == flag || a.starts_with(&format!("{flag}=")))
}
