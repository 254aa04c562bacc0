use crate::commands::daily_costs::{self, Request};
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Result};
use clap::Parser;

const EXAMPLES: &str = "\
Examples:
  # yesterday and today, per service
  check-daily-costs --services ec2,rds,ecs,cloudwatch
  # exit 8 when yesterday cost more
  check-daily-costs --services ecs --max-daily 1.50
  # cron: any billed cost after credits
  check-daily-costs --max-daily 0 --net -o json";

#[derive(Debug, Parser)]
#[command(
    name = "check-daily-costs",
    version,
    about = "Yesterday's and today's cost per service, from Cost Explorer, with a limit to fail on.",
    long_about = None,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\nServices (short name = Cost Explorer SERVICE values):\n{}\n\n{}\n\n\
Exit codes here: 0 within --max-daily (or none given); 8 yesterday's cost is over it.\n\n{}",
        services_table(), super::cost_note(), aws_core::exit::help_footer()),
)]
pub struct DailyCli {
    /// Comma-separated short names (see below); default: every service with cost this month.
    #[arg(long, value_name = "LIST", value_parser = parse_services)]
    pub services: Option<ServiceList>,
    /// Fail (exit 8) when yesterday's cost of these services is above this many USD.
    #[arg(long, value_name = "USD", value_parser = super::parse_usd)]
    pub max_daily: Option<f64>,
    /// Hold the net cost (after credits) to --max-daily instead of the gross usage.
    #[arg(long)]
    pub net: bool,
    /// Read Cost Explorer again even if today's read is cached (billed).
    #[arg(long)]
    pub refresh: bool,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Clone)]
pub struct ServiceList(pub Vec<&'static crate::services::Service>);

fn parse_services(s: &str) -> std::result::Result<ServiceList, String> {
    crate::services::resolve(s).map(ServiceList)
}

fn services_table() -> String {
    crate::services::SERVICES
        .iter()
        .map(|s| {
            format!(
                "  {:<15} {} ({})",
                s.short,
                s.cost_explorer.join(" + "),
                s.note
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn daily_main(cli: DailyCli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    daily_costs::run(
        &ctx,
        Request {
            services: cli.services.map(|l| l.0),
            max_daily: cli.max_daily,
            net: cli.net,
            refresh: cli.refresh,
        },
    )
    .await
}
