use crate::alerts::Subscriber;
use crate::commands::billing_alerts::{self, Request};
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Result};
use clap::Parser;

const EXAMPLES: &str = "\
Examples:
  # the budget with an email alert at 80 % actual and 100 % forecast
  setup-billing-alerts --budget-limit 10 --email me@example.com
  # alerts to an SNS topic, and the zero-spend budget too
  setup-billing-alerts --budget-limit 10 --zero-spend \\
    --sns-topic arn:aws:sns:us-east-1:123456789012:alerts
  # what would change, without changing it
  setup-billing-alerts --budget-limit 25 --email me@example.com --dry-run";

#[derive(Debug, Parser)]
#[command(
    name = "setup-billing-alerts",
    version,
    about = "A monthly AWS cost budget that alerts at 80 % of actual and 100 % of forecast spend: idempotent.",
    long_about = None,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n\
Re-running changes nothing when the budget already matches; a different limit, a missing\n\
alert or subscriber is brought up to date. When the environment's Terraform budget exists\n\
(terraform/modules/monitoring creates NAME_PREFIX-monthly), it is verified, never changed:\n\
a different limit is exit 8 with the Terraform variable to change (ADR 0003). The limit is\n\
compared with the environment's estimated monthly cost (estimate-costs) and a budget below\n\
it is warned about.\n\n\
Exit codes here: 0 the budget is as asked (created, updated or unchanged); 8 Terraform's\n\
budget differs.\n\n{}", aws_core::exit::help_footer()),
)]
pub struct AlertsCli {
    /// Monthly limit in USD.
    #[arg(long, value_name = "USD", value_parser = parse_limit)]
    pub budget_limit: f64,
    /// Email address for the alerts (repeatable).
    #[arg(long, value_name = "ADDRESS", value_parser = parse_email)]
    pub email: Vec<String>,
    /// SNS topic ARN for the alerts (repeatable).
    #[arg(long, value_name = "ARN", value_parser = parse_topic)]
    pub sns_topic: Vec<String>,
    /// Also keep AWS's zero-spend budget: an alert on the first cent of spend.
    #[arg(long)]
    pub zero_spend: bool,
    /// Budget name (default: fargate-free-tier-monthly, or Terraform's when it exists).
    #[arg(long, value_name = "NAME", value_parser = parse_name)]
    pub name: Option<String>,
    /// Show what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub global: GlobalArgs,
}

fn parse_limit(s: &str) -> std::result::Result<f64, String> {
    match super::parse_usd(s) {
        Ok(v) if v >= 0.01 => Ok(v),
        Ok(_) => Err(format!(
            "{s:?}: a budget limit is at least 0.01 (see --zero-spend)"
        )),
        Err(e) => Err(e),
    }
}

fn parse_email(s: &str) -> std::result::Result<String, String> {
    let ok = s.len() <= 254
        && !s.chars().any(|c| c.is_control() || c.is_whitespace())
        && s.split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'));
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?}: not an email address"))
    }
}

fn parse_topic(s: &str) -> std::result::Result<String, String> {
    let parts: Vec<&str> = s.split(':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[2] == "sns"
        && !parts[5].is_empty()
        && !s.chars().any(char::is_control);
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?}: not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)"
        ))
    }
}

fn parse_name(s: &str) -> std::result::Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 100
        && !s.contains(':')
        && !s.contains('\\')
        && !s.chars().any(char::is_control);
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{s:?}: a budget name is 1-100 characters without ':' or '\\'"
        ))
    }
}

pub async fn alerts_main(cli: AlertsCli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    let subscribers = cli
        .email
        .into_iter()
        .map(Subscriber::Email)
        .chain(cli.sns_topic.into_iter().map(Subscriber::Sns))
        .collect();
    billing_alerts::run(
        &ctx,
        Request {
            limit_usd: cli.budget_limit,
            name: cli.name,
            subscribers,
            zero_spend: cli.zero_spend,
            dry_run: cli.dry_run,
        },
    )
    .await
}
