//! `ecs-logs` arguments; the command itself is [`crate::logs::run`].

use super::{ServiceArgs, footer};
use crate::logs;
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Result};
use clap::Parser;

const LOGS_EXAMPLES: &str = "\
Examples:
  ecs-logs --service app-service --environment dev --follow
  ecs-logs --service app-service --environment dev --since 1h --filter ERROR
  ecs-logs --service app-service --environment dev --task 0f2e... -o json \\
    | jq .message";

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

impl LogsCli {
    /// The library request these arguments stand for.
    pub fn request(&self) -> logs::Request {
        logs::Request {
            cluster: self.target.cluster.clone(),
            service: self.target.service.clone(),
            container: self.container.clone(),
            since: self.since.clone(),
            filter: self.filter.clone(),
            task: self.task.clone(),
            follow: self.follow,
        }
    }
}

pub async fn logs_main(cli: LogsCli) -> Result<()> {
    logs::run(&Context::resolve(&cli.global)?, cli.request()).await
}
