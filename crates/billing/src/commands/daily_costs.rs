//! check-daily-costs: yesterday and today so far for a few services, with a limit a
//! cron job or CI can fail on.

use crate::costs;
use crate::ledger::{self, Split};
use crate::services::Service;
use aws_core::{Context, Error, Result};
use cost_engine::estimate::usd;
use jiff::ToSpan;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct Request {
    /// `None`: every service with cost.
    pub services: Option<Vec<&'static Service>>,
    pub max_daily: Option<f64>,
    /// Compare the net (after credits) instead of the gross cost with `max_daily`.
    pub net: bool,
    pub refresh: bool,
}

#[derive(Debug, Serialize)]
struct Row {
    service: String,
    cost_explorer: Vec<String>,
    yesterday: Split,
    today_so_far: Split,
    month_to_date: Split,
    last_7_days: Vec<f64>,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    account: &'a str,
    day: jiff::civil::Date,
    rows: Vec<Row>,
    total_yesterday: Split,
    max_daily_usd: Option<f64>,
    compared: &'static str,
    over: bool,
    estimated_from: Option<jiff::civil::Date>,
    billed_requests: u32,
}

pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    let out = ctx.output();
    let costs::Session {
        account,
        today,
        costs: c,
        ..
    } = costs::session(ctx, req.refresh).await?;
    let yesterday = today.yesterday().unwrap_or(today);
    let tomorrow = today.tomorrow().unwrap_or(today);
    let week = today.checked_sub(7.days()).unwrap_or(today);
    let month = ledger::month_start(today);

    let groups: Vec<(String, Vec<String>)> = match &req.services {
        Some(list) => list
            .iter()
            .map(|s| {
                (
                    s.short.to_string(),
                    s.cost_explorer.iter().map(|v| v.to_string()).collect(),
                )
            })
            .collect(),
        None => c
            .ledger
            .by_service(month, tomorrow)
            .into_keys()
            .map(|name| (crate::services::short_of(&name).to_string(), vec![name]))
            .collect(),
    };
    let mut rows = Vec::new();
    let mut total = Split::default();
    for (short, names) in groups {
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let y = c.ledger.split(yesterday, today, Some(&refs));
        total.gross += y.gross;
        total.credits += y.credits;
        total.net += y.net;
        rows.push(Row {
            service: short,
            yesterday: y,
            today_so_far: c.ledger.split(today, tomorrow, Some(&refs)),
            month_to_date: c.ledger.split(month, tomorrow, Some(&refs)),
            last_7_days: c
                .ledger
                .daily_gross(week, today, Some(&refs))
                .into_iter()
                .map(|(_, v)| v)
                .collect(),
            cost_explorer: names,
        });
    }
    let compared_value = if req.net { total.net } else { total.gross };
    let over = req.max_daily.is_some_and(|m| compared_value > m);
    let report = Report {
        account: &account,
        day: yesterday,
        total_yesterday: total,
        max_daily_usd: req.max_daily,
        compared: if req.net { "net" } else { "gross" },
        over,
        estimated_from: c.data.estimated_from,
        billed_requests: c.billed_now,
        rows,
    };
    if out.is_json() {
        out.json(&report)?;
    } else {
        let mut t = aws_core::output::new_table([
            "service",
            "yesterday",
            "credits",
            "today so far",
            "month to date",
            "last 7 days",
        ]);
        for r in &report.rows {
            t.add_row(vec![
                r.service.clone(),
                usd(r.yesterday.gross),
                usd(r.yesterday.credits),
                usd(r.today_so_far.gross),
                usd(r.month_to_date.gross),
                crate::chart::sparkline(&r.last_7_days),
            ]);
        }
        t.add_row(vec![
            "total".into(),
            usd(total.gross),
            usd(total.credits),
            String::new(),
            String::new(),
            String::new(),
        ]);
        aws_core::output::write_stdout(&aws_core::output::render_table(&t))?;
        if let Some(d) = c.data.estimated_from {
            out.note(format!(
                "Cost Explorer marks {d} onwards as estimated: today's figures grow during the day"
            ));
        }
    }
    if let Some(max) = req.max_daily {
        let what = format!(
            "{} cost on {yesterday}: {} (credits {}), limit {}",
            report.compared,
            usd(compared_value),
            usd(total.credits),
            usd(max)
        );
        if over {
            return Err(Error::CheckFailed(format!("over the daily limit: {what}")));
        }
        // An estimated day can still grow: under the limit on it is not a pass.
        if c.data.estimated_from.is_some_and(|d| d <= yesterday) {
            return Err(Error::Incomplete(format!(
                "not checked: Cost Explorer still marks {yesterday} as estimated ({what}); \
                 run it again later in the day"
            )));
        }
        out.success(format!("within the daily limit: {what}"));
    }
    Ok(())
}
