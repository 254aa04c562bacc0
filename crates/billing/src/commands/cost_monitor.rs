//! cost-monitor: the month so far (gross, credits, net), yesterday, today, by service,
//! a run-rate forecast, AWS Budgets' own figures, anomalies and a chart.

use crate::costs;
use crate::ledger::{self, Anomaly, Forecast, Split};
use aws_core::{Context, Error, Result};
use cost_engine::estimate::usd;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ForecastSource {
    /// From the days so far (free).
    Local,
    /// Cost Explorer's GetCostForecast (one more billed request).
    Aws,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub refresh: bool,
    pub forecast: ForecastSource,
    pub anomaly_threshold: f64,
    /// The monthly budget to hold the forecast to (default: the environment's `budget`).
    pub budget: Option<f64>,
    /// Exit 8 when a free plan ends within this many days (`freetier::closing`).
    pub closing_days: u32,
    pub chart: bool,
}

#[derive(Debug, Serialize)]
struct BudgetRow {
    name: String,
    limit_usd: Option<f64>,
    actual_usd: Option<f64>,
    forecast_usd: Option<f64>,
    headroom_usd: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    account: &'a str,
    today: Date,
    month_to_date: Split,
    yesterday: Split,
    today_so_far: Split,
    by_service: BTreeMap<String, Split>,
    forecast: Forecast,
    aws_forecast_usd: Option<f64>,
    /// CloudWatch's `AWS/Billing EstimatedCharges`, the month's estimated bill so far
    /// (`None`: not published, or not readable: see the note).
    cloudwatch_estimated_usd: Option<f64>,
    budget_usd: Option<f64>,
    /// The account's plan (`FREE`/`PAID`) and the date AWS reports for a free plan's
    /// end (`None`: the Free Tier API could not be read; see the note).
    plan: Option<crate::freetier::Plan>,
    /// Within --closing-days of that end: what happens then.
    plan_closing: Option<String>,
    budgets: Vec<BudgetRow>,
    anomalies: Vec<Anomaly>,
    daily_gross: Vec<(Date, f64)>,
    estimated_from: Option<Date>,
    billed_requests: u32,
}

pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    let out = ctx.output();
    let costs::Session {
        sdk,
        account,
        aws,
        today,
        costs: c,
        ..
    } = costs::session(ctx, req.refresh).await?;
    let month = ledger::month_start(today);
    let tomorrow = today.tomorrow().unwrap_or(today);
    let yesterday = today.yesterday().unwrap_or(today);
    let forecast = ledger::forecast(&c.ledger, today);
    let aws_forecast = match req.forecast {
        ForecastSource::Local => None,
        ForecastSource::Aws => {
            let end = month.last_of_month().tomorrow().unwrap_or(tomorrow);
            let v = aws.cost_forecast(today, end).await?;
            out.note(format!("Cost Explorer forecast: {}", costs::billed_note(1)));
            Some(forecast.month_to_yesterday + v)
        }
    };
    let budgets = aws
        .budgets(&account, false)
        .await?
        .into_iter()
        .filter(|b| b.budget_type == "COST" && b.time_unit == "MONTHLY")
        .map(|b| BudgetRow {
            headroom_usd: b.limit_usd.zip(b.actual_usd).map(|(l, a)| l - a),
            name: b.name,
            limit_usd: b.limit_usd,
            actual_usd: b.actual_usd,
            forecast_usd: b.forecast_usd,
        })
        .collect::<Vec<_>>();
    let budget = req
        .budget
        .or_else(|| ctx.environment_config().and_then(|e| e.budget));
    // The plan's end date: one free read. Not fatal: the figures above stand without it.
    let plan = match aws.account_plan().await {
        Ok(p) => Some(p),
        Err(e) => {
            out.note(format!(
                "the account plan (Free Tier API) was not read: {e}"
            ));
            None
        }
    };
    let plan_closing = plan
        .as_ref()
        .and_then(|p| crate::freetier::closing(p, today, req.closing_days));
    let cloudwatch = estimated_charges(&sdk, month).await;
    match &cloudwatch {
        Ok(Some(v)) => out.note(format!(
            "CloudWatch EstimatedCharges (a free cross-check): {}",
            usd(*v)
        )),
        Ok(None) => out.note(
            "CloudWatch publishes no EstimatedCharges for this account: turn on \"Receive CloudWatch billing alerts\" in the Billing preferences for a free cross-check",
        ),
        Err(e) => out.note(format!("CloudWatch EstimatedCharges not read: {e}")),
    }
    let report = Report {
        account: &account,
        today,
        month_to_date: c.ledger.split(month, tomorrow, None),
        yesterday: c.ledger.split(yesterday, today, None),
        today_so_far: c.ledger.split(today, tomorrow, None),
        by_service: c.ledger.by_service(month, tomorrow),
        forecast,
        aws_forecast_usd: aws_forecast,
        cloudwatch_estimated_usd: cloudwatch.ok().flatten(),
        budget_usd: budget,
        plan,
        plan_closing,
        budgets,
        anomalies: ledger::anomalies(&c.ledger, yesterday, req.anomaly_threshold),
        daily_gross: c.ledger.daily_gross(month, tomorrow, None),
        estimated_from: c.data.estimated_from,
        billed_requests: c.billed_now + u32::from(aws_forecast.is_some()),
    };
    if out.is_json() {
        out.json(&report)?;
    } else {
        aws_core::output::write_stdout(&render(&report, &c.ledger, month, today, req.chart))?;
    }

    let month_end = report.aws_forecast_usd.unwrap_or(report.forecast.month_end);
    let mut problems = Vec::new();
    if let Some(b) = budget
        && month_end > b
    {
        problems.push(format!(
            "the month is forecast at {}, over the {} budget",
            usd(month_end),
            usd(b)
        ));
    }
    if let Some(c) = &report.plan_closing {
        problems.push(c.clone());
    }
    for a in &report.anomalies {
        problems.push(format!(
            "{} cost {} on {}, against {} a day the week before",
            a.service,
            usd(a.cost),
            a.day,
            usd(a.trailing_average)
        ));
    }
    if problems.is_empty() {
        out.success("within budget; no anomaly");
        Ok(())
    } else {
        Err(Error::CheckFailed(problems.join("; ")))
    }
}

/// The latest EstimatedCharges since the 1st (us-east-1; free to read).
async fn estimated_charges(sdk: &aws_core::SdkConfig, month: Date) -> Result<Option<f64>> {
    let start = jiff::tz::Offset::UTC
        .to_timestamp(month.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| Error::Failed(e.to_string()))?;
    aws_lite::cloudwatch::CloudWatch::billing(sdk)?
        .estimated_charges(
            start,
            jiff::Timestamp::now() + jiff::SignedDuration::from_secs(60),
        )
        .await
}

fn split_line(label: &str, s: &Split) -> String {
    format!(
        "{label:<16} {:>9} gross  {:>9} credits  {:>9} net\n",
        usd(s.gross),
        usd(s.credits),
        usd(s.net)
    )
}

fn render(r: &Report, ledger: &ledger::Ledger, month: Date, today: Date, chart: bool) -> String {
    let mut s = String::new();
    s.push_str(&split_line("month to date", &r.month_to_date));
    s.push_str(&split_line("yesterday", &r.yesterday));
    s.push_str(&split_line("today so far", &r.today_so_far));
    let f = &r.forecast;
    s.push_str(&format!(
        "forecast         {:>9} at month end ({} so far + {}/day x {} days, the rate of the last {} complete days){}\n",
        usd(f.month_end),
        usd(f.month_to_yesterday),
        usd(f.daily_rate),
        f.days_left,
        f.rate_days,
        r.aws_forecast_usd.map(|v| format!("; Cost Explorer says {}", usd(v))).unwrap_or_default()
    ));
    if let Some(b) = r.budget_usd {
        s.push_str(&format!(
            "budget           {:>9} (fargate.toml or --budget)\n",
            usd(b)
        ));
    }
    if let Some(p) = &r.plan
        && p.plan_type == "FREE"
    {
        s.push_str(&format!(
            "plan             free{}\n",
            p.expires
                .map(|d| format!(", ends on {d} (the date AWS reports)"))
                .unwrap_or_default()
        ));
    }
    if r.month_to_date.credits < 0.0 {
        s.push_str(
            "credits pay for this month: the gross column is what the account really uses\n",
        );
    }
    s.push('\n');
    let tomorrow = today.tomorrow().unwrap_or(today);
    let mut t = aws_core::output::new_table(["service", "gross", "credits", "net", "this month"]);
    for (name, split) in &r.by_service {
        let days: Vec<f64> = ledger
            .daily_gross(month, tomorrow, Some(&[name.as_str()]))
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        t.add_row(vec![
            crate::services::short_of(name).to_string(),
            usd(split.gross),
            usd(split.credits),
            usd(split.net),
            crate::chart::sparkline(&days),
        ]);
    }
    s.push_str(&aws_core::output::render_table(&t));
    if !r.budgets.is_empty() {
        s.push('\n');
        let mut t =
            aws_core::output::new_table(["budget", "limit", "actual", "forecast", "headroom"]);
        let money = |v: Option<f64>| v.map_or("-".to_string(), usd);
        for b in &r.budgets {
            t.add_row(vec![
                b.name.clone(),
                money(b.limit_usd),
                money(b.actual_usd),
                money(b.forecast_usd),
                money(b.headroom_usd),
            ]);
        }
        s.push_str(&aws_core::output::render_table(&t));
    }
    if chart {
        s.push('\n');
        let per_day = r
            .budget_usd
            .map(|b| b / f64::from(u32::try_from(today.days_in_month()).unwrap_or(30)));
        s.push_str(&crate::chart::daily_bars(&r.daily_gross, per_day, 40));
    }
    s
}
