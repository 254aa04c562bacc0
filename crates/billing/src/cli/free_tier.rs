use crate::commands::free_tier::{self, Request};
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Result};
use clap::Parser;

const EXAMPLES: &str = "\
Examples:
  # plan, credits, runway, offers at risk, cost traps
  check-free-tier --service all
  # every Lambda offer
  check-free-tier --service lambda --detailed
  # cron: exit 8 when an offer will go over
  check-free-tier --threshold 50 -o json
  # the month as Markdown, with a chart
  check-free-tier --report month --chart-svg costs.svg > costs.md";

#[derive(Debug, Parser)]
#[command(
    name = "check-free-tier",
    version,
    about = "The account's Free Tier as AWS reports it: plan, credits and runway, each offer's use, live cost traps.",
    long_about = None,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n\
The plan and offers come from the AWS Free Tier API (GetAccountPlanState, GetFreeTierUsage).\n\
Accounts created after 2025-07-15 have a free or paid plan with credits; the runway is the\n\
days until the credits or the free plan run out at this month's daily gross cost. The trap\n\
scan reads this region's NAT gateways, public IPv4 addresses, interface endpoints,\n\
Container Insights settings, log groups without retention, RDS instances in Extended\n\
Support, load balancers with no healthy target, Secrets Manager secrets and customer-managed\n\
KMS keys, in estimate-costs' words.\n\n{}\n\n\
Exit codes here: 0 no offer forecast over its limit; 8 one is (or already is over), or the\n\
free plan ends within --closing-days (default 30) of the date AWS reports.\n\n{}", super::cost_note(), aws_core::exit::help_footer()),
)]
pub struct FreeTierCli {
    /// `all`, a Free Tier service name (part of it, e.g. lambda) or a short name (ec2, ecs, ...).
    #[arg(long, value_name = "NAME", default_value = "all")]
    pub service: String,
    /// List every offer, not only those at or over the threshold.
    #[arg(long)]
    pub detailed: bool,
    /// Percent of a limit (used or forecast) that is shown as a warning.
    #[arg(long, value_name = "PERCENT", default_value = "80", value_parser = super::parse_percent)]
    pub threshold: f64,
    /// Write a report instead of the tables: `month` (Markdown, for an issue or a wiki page).
    #[arg(long, value_name = "PERIOD", value_parser = ["month"])]
    pub report: Option<String>,
    /// With --report month: draw the daily gross and net cost to FILE (SVG) and link it.
    #[arg(long, value_name = "FILE", requires = "report")]
    pub chart_svg: Option<std::path::PathBuf>,
    /// Exit 8 when the free plan ends (the date AWS reports) within DAYS: then AWS closes
    /// the account unless it is upgraded, and the stack stops with it.
    #[arg(long, value_name = "DAYS", default_value_t = crate::freetier::DEFAULT_CLOSING_DAYS)]
    pub closing_days: u32,
    /// Skip the live cost-trap scan.
    #[arg(long)]
    pub no_scan: bool,
    /// Read Cost Explorer again even if today's read is cached (billed).
    #[arg(long)]
    pub refresh: bool,
    #[command(flatten)]
    pub global: GlobalArgs,
}

pub async fn free_tier_main(cli: FreeTierCli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    free_tier::run(
        &ctx,
        Request {
            service: (!cli.service.eq_ignore_ascii_case("all")).then_some(cli.service),
            detailed: cli.detailed,
            threshold: cli.threshold,
            month_report: cli.report.is_some(),
            chart_svg: cli.chart_svg,
            scan: !cli.no_scan,
            refresh: cli.refresh,
            closing_days: cli.closing_days,
        },
    )
    .await
}
