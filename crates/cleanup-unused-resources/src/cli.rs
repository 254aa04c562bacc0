//! `cleanup-unused-resources` arguments; the command itself is [`crate::run::run`].

use crate::run::{self, Request};
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Result};
use clap::Parser;
use std::path::PathBuf;

/// The values CloudWatch Logs accepts for a retention (PutRetentionPolicy).
const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

const EXAMPLES: &str = "\
Examples:
  # what is unused, and what it costs
  cleanup-unused-resources --dry-run
  # ... and save the exact list
  cleanup-unused-resources --plan-out cleanup.json
  # delete that list, each item re-checked first
  cleanup-unused-resources --apply --plan-in cleanup.json
  # unattended: search and delete
  cleanup-unused-resources --apply --yes -o json";

#[derive(Debug, Parser)]
#[command(
    name = "cleanup-unused-resources",
    version,
    about = "Find what costs money or clutters and serves nothing, in this project's scope; delete only what you saw.",
    long_about = "Find what costs money or clutters and serves nothing, in this project's scope; delete only what you saw.\n\n\
Scope: resources tagged with the environment's project and environment tags (from\n\
name_prefix PROJECT-ENV in fargate.toml, or --tag), network interfaces in the project's\n\
VPC (the vpc_id Terraform output, the VPC with those tags, or --vpc-id), task definition\n\
families NAME_PREFIX-*, log groups /ecs/NAME_PREFIX/*, the environment's cluster and ECR\n\
repository. Nothing outside it is read as a candidate or touched.\n\n\
Finds: unattached Elastic IPs; available network interfaces not managed by AWS;\n\
unattached EBS volumes; manual snapshots older than --snapshot-age; task definition\n\
revisions beyond the newest --keep-revisions per family (never one a service runs, nor\n\
the revision before it); untagged ECR images and tagged ones beyond --keep-images that no\n\
service in the region nor a kept revision uses; log groups of services that no longer\n\
exist; log groups without retention (the fix is --retention-days, not deletion); stopped\n\
tasks with their stop reasons (reported only: ECS removes them). Each with its monthly\n\
cost from the price catalog, or \"not priced\".\n\n\
A dry run is the default and changes nothing. --apply deletes, after the account guard\n\
and a confirmation (--yes when there is no terminal). With --plan-in it acts on exactly\n\
the plan's items, each only if a fresh look still finds it unused.\n\n\
Account guard: an account whose alias contains \"prod\", whose alias cannot be read, or an\n\
environment marked protected in fargate.toml needs --allow-account ACCOUNT_ID to delete.",
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n\
Exit codes here: 0 nothing to clean up (or everything done); 8 a dry run found something\n\
to clean up; 6 refused by the account guard or not confirmed; 1 an item failed.\n\n{}", aws_core::exit::help_footer()),
)]
pub struct Cli {
    /// Only show what would be done (the default; accepted for scripts that say so).
    #[arg(long, conflicts_with = "apply")]
    pub dry_run: bool,
    /// Delete (release, deregister, set retention) what is found, or the --plan-in list.
    #[arg(long)]
    pub apply: bool,
    /// Do not ask for confirmation (needed with --apply when there is no terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Write the exact list found (account, region, scope, ids) to FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "plan_in")]
    pub plan_out: Option<PathBuf>,
    /// With --apply: act on exactly this plan's items, each re-checked first.
    #[arg(long, value_name = "FILE", requires = "apply")]
    pub plan_in: Option<PathBuf>,
    /// Let the account guard pass for this account id (12 digits).
    #[arg(long, value_name = "ACCOUNT_ID", value_parser = parse_account)]
    pub allow_account: Option<String>,
    /// A scope tag KEY=VALUE (repeatable); replaces the tags derived from name_prefix.
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = crate::scope::parse_tag)]
    pub tags: Vec<(String, String)>,
    /// The project's VPC (default: the vpc_id Terraform output, else the VPC with the scope tags).
    #[arg(long, value_name = "VPC_ID", value_parser = parse_vpc)]
    pub vpc_id: Option<String>,
    /// Task definition revisions kept per family, newest first [default: 5].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub keep_revisions: Option<u32>,
    /// Tagged ECR images kept, newest first [default: ecr_keep_images, else 10].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub keep_images: Option<u32>,
    /// Manual snapshots younger than this many days are kept.
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=36500))]
    pub snapshot_age: u32,
    /// Retention offered to log groups that keep logs forever (a CloudWatch value: 1, 3, 5, 7, 14, 30, 60, 90, ... 3653).
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = parse_retention)]
    pub retention_days: u32,
    #[command(flatten)]
    pub global: GlobalArgs,
}

fn parse_account(s: &str) -> std::result::Result<String, String> {
    if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?}: an AWS account id is 12 digits"))
    }
}

fn parse_vpc(s: &str) -> std::result::Result<String, String> {
    let ok = s.strip_prefix("vpc-").is_some_and(|h| {
        !h.is_empty() && h.len() <= 32 && h.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?}: a VPC id is vpc- and hex digits"))
    }
}

fn parse_retention(s: &str) -> std::result::Result<u32, String> {
    match s.parse::<u32>() {
        Ok(d) if RETENTION_DAYS.contains(&d) => Ok(d),
        _ => Err(format!(
            "{s:?}: CloudWatch Logs accepts {}",
            RETENTION_DAYS.map(|d| d.to_string()).join(", ")
        )),
    }
}

pub async fn main(cli: Cli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    let request = Request {
        apply: cli.apply,
        yes: cli.yes,
        plan_out: cli.plan_out,
        plan_in: cli.plan_in,
        allow_account: cli.allow_account,
        tags: cli.tags,
        vpc_id: cli.vpc_id,
        keep_revisions: cli.keep_revisions,
        keep_images: cli.keep_images,
        snapshot_age_days: cli.snapshot_age,
        retention_days: cli.retention_days,
    };
    run::run(&ctx, request).await
}
