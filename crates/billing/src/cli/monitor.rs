use crate::commands::cost_monitor::{self, ForecastSource, Request};
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Result};
use clap::Parser;
use std::io::IsTerminal;

const EXAMPLES: &str = "\
Examples:
  # month to date, forecast, budgets, anomalies, chart
  cost-monitor
  # also Cost Explorer's own forecast (one more billed request)
  cost-monitor --forecast aws
  # hold the forecast to 10 USD (exit 8 above it)
  cost-monitor --budget 10 -o json
  # last month's bill vs the estimate, line by line (one billed request)
  cost-monitor --reconcile
  # ... and keep the bill's usage in the environment's usage.toml
  cost-monitor --reconcile --write-usage";

#[derive(Debug, Parser)]
#[command(
    name = "cost-monitor",
    version,
    about = "The month's real cost so far: gross usage vs credits vs net, by service, forecast, budgets, anomalies.",
    long_about = None,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n\
Credits hide real spend: gross is what the account uses, net what is left to pay. The\n\
forecast runs the average of the last 7 complete days to the month's end. Budgets are\n\
AWS Budgets' own actual and forecast figures (free to read). An anomaly is a service whose\n\
cost yesterday is --anomaly-threshold percent above its average of the 7 days before (and\n\
at least 5 cents more).\n\n{}\n\n\
--reconcile compares last month's bill in the environment's region (one billed Cost\n\
Explorer read by service and usage type, kept for the day) with estimate-costs' figure\n\
for the environment's Terraform, line by line, both scaled to a 730-hour month before\n\
credits and free tier. The bill is the whole account's in that region: another stack\n\
there shows as a difference. Usage the bill measures (requests, log GB, data transfer,\n\
storage) is listed beside the estimate's assumption; --write-usage sets those keys in\n\
<terraform_dir>/usage.toml (other keys and comments kept), which estimate-costs\n\
--environment and deploy's budget gate read.\n\n\
A free-plan account also shows the date AWS reports for the plan's end (the Free Tier\n\
API, free to read); within --closing-days of it the run fails too.\n\n\
Exit codes here: 0 within budget and no anomaly; 8 the forecast is over the budget, a\n\
service jumped, or the free plan ends within --closing-days.\n\n{}", super::cost_note(), aws_core::exit::help_footer()),
)]
pub struct MonitorCli {
    /// Read Cost Explorer again even if today's read is cached (billed).
    #[arg(long)]
    pub refresh: bool,
    /// Where the month-end forecast comes from.
    #[arg(long, value_enum, default_value = "local")]
    pub forecast: ForecastSource,
    /// Percent above the trailing 7-day average that counts as an anomaly.
    #[arg(long, value_name = "PERCENT", default_value = "50", value_parser = super::parse_percent)]
    pub anomaly_threshold: f64,
    /// Monthly budget in USD for the forecast (default: the environment's `budget`).
    #[arg(long, value_name = "USD", value_parser = super::parse_usd)]
    pub budget: Option<f64>,
    /// Exit 8 when the free plan ends (the date AWS reports) within DAYS: then AWS closes
    /// the account unless it is upgraded, and the stack stops with it.
    #[arg(long, value_name = "DAYS", default_value_t = crate::freetier::DEFAULT_CLOSING_DAYS)]
    pub closing_days: u32,
    /// Compare last month's bill with the environment's estimate, line by line (one
    /// billed Cost Explorer request, reused for the day; --refresh reads again).
    #[arg(long)]
    pub reconcile: bool,
    /// With --reconcile: set the measured usage keys in FILE (default: the environment's
    /// <terraform_dir>/usage.toml, which estimate-costs and deploy read).
    #[arg(long, value_name = "FILE", num_args = 0..=1, requires = "reconcile")]
    pub write_usage: Option<Option<std::path::PathBuf>>,
    /// Draw the daily chart even when stdout is not a terminal.
    #[arg(long, conflicts_with = "no_chart")]
    pub chart: bool,
    /// No daily chart.
    #[arg(long)]
    pub no_chart: bool,
    #[command(flatten)]
    pub global: GlobalArgs,
}

pub async fn monitor_main(cli: MonitorCli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    if cli.reconcile {
        return crate::commands::reconcile::run(
            &ctx,
            crate::commands::reconcile::Request {
                refresh: cli.refresh,
                write_usage: cli.write_usage,
            },
        )
        .await;
    }
    let chart = cli.chart || (!cli.no_chart && std::io::stdout().is_terminal());
    cost_monitor::run(
        &ctx,
        Request {
            refresh: cli.refresh,
            forecast: cli.forecast,
            anomaly_threshold: cli.anomaly_threshold,
            budget: cli.budget,
            closing_days: cli.closing_days,
            chart,
        },
    )
    .await
}
