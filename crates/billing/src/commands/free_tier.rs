//! check-free-tier: the account plan and its runway, each Free Tier offer against its
//! limit, and the live cost traps; `--report month` writes it all as Markdown.

use crate::costs;
use crate::freetier::{self, OfferRow, Plan, Runway, State};
use crate::ledger::{self, Split};
use crate::scan::{self, Scan};
use aws_core::{Context, Error, Result};
use cost_engine::estimate::usd;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct Request {
    /// `None`: every service.
    pub service: Option<String>,
    pub detailed: bool,
    pub threshold: f64,
    pub month_report: bool,
    /// With the month report: write the daily chart here (SVG) and link it.
    pub chart_svg: Option<std::path::PathBuf>,
    pub scan: bool,
    pub refresh: bool,
    /// Exit 8 when a free plan ends (the date AWS reports) within this many days.
    pub closing_days: u32,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    account: &'a str,
    region: &'a str,
    today: jiff::civil::Date,
    plan: Plan,
    month_to_date: Split,
    runway: Runway,
    threshold_percent: f64,
    offers: Vec<OfferRow>,
    scan: Option<Scan>,
    billed_requests: u32,
}

/// Does an offer belong to `--service NAME`: its Free Tier service name, or a short
/// name of `check-daily-costs` whose Cost Explorer names contain it.
fn service_matches(filter: &str, offer_service: &str) -> bool {
    let f = filter.to_ascii_lowercase();
    let s = offer_service.to_ascii_lowercase();
    s.contains(&f)
        || crate::services::SERVICES
            .iter()
            .find(|x| x.short == f)
            .is_some_and(|x| x.cost_explorer.iter().any(|c| c.to_ascii_lowercase() == s))
}

pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    let out = ctx.output();
    if let Some(path) = &req.chart_svg {
        aws_core::fs::check_output(path, "--chart-svg")?;
    }
    let costs::Session {
        sdk,
        region,
        account,
        aws,
        today,
        costs: c,
    } = costs::session(ctx, req.refresh).await?;
    let plan = aws.account_plan().await?;
    let offers: Vec<_> = aws
        .free_tier_usage()
        .await?
        .into_iter()
        .filter(|o| {
            req.service
                .as_deref()
                .is_none_or(|f| service_matches(f, &o.service))
        })
        .collect();
    let rows = freetier::evaluate(offers, req.threshold);

    let month = ledger::month_start(today);
    let mtd = c
        .ledger
        .split(month, today.tomorrow().unwrap_or(today), None);
    let complete_days = f64::from(today.day() - 1);
    let burn = if complete_days > 0.0 {
        c.ledger.split(month, today, None).gross / complete_days
    } else {
        ledger::forecast(&c.ledger, today).daily_rate
    };
    let runway = freetier::runway(&plan, burn, today);
    let closing = freetier::closing(&plan, today, req.closing_days);
    let scan = if req.scan {
        let ec2 = aws_lite::ec2::Ec2::new(&sdk)?;
        let readers = scan::Readers {
            sdk: &sdk,
            ec2: &ec2,
        };
        Some(scan::scan(&aws, &readers, &region, today).await?)
    } else {
        None
    };
    let report = Report {
        account: &account,
        region: &region,
        today,
        plan,
        month_to_date: mtd,
        runway,
        threshold_percent: req.threshold,
        offers: rows,
        scan,
        billed_requests: c.billed_now,
    };
    if out.is_json() {
        out.json(&report)?;
    } else if req.month_report {
        let chart = match &req.chart_svg {
            Some(path) => Some(write_chart(path, &c.ledger, month, today)?),
            None => None,
        };
        aws_core::output::write_stdout(&markdown(
            &report,
            &c.ledger,
            month,
            today,
            chart.as_deref(),
        ))?;
    } else {
        aws_core::output::write_stdout(&text(&report, req.detailed))?;
    }

    if let Some(warning) = closing {
        return Err(Error::CheckFailed(warning));
    }
    let over: Vec<&OfferRow> = report
        .offers
        .iter()
        .filter(|r| matches!(r.state, State::Over | State::ForecastOver))
        .collect();
    if over.is_empty() {
        out.success(format!(
            "no Free Tier offer is forecast over its limit ({} offers read)",
            report.offers.len()
        ));
        Ok(())
    } else {
        Err(Error::CheckFailed(format!(
            "{} Free Tier offer(s) forecast over the limit: {}",
            over.len(),
            over.iter()
                .map(|r| format!(
                    "{} {} ({:.0} %)",
                    r.offer.service, r.offer.usage_type, r.forecast_percent
                ))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

fn plan_lines(r: &Report) -> Vec<String> {
    let p = &r.plan;
    let mut v = vec![format!("plan: {} ({})", p.plan_type, p.status)];
    if let Some(c) = p.remaining_credits_usd {
        v.push(format!("credits left: {}", usd(c)));
    }
    if let Some(d) = p.expires {
        v.push(format!("plan ends: {d}"));
    }
    v.push(format!(
        "this month: {} used (gross), {} credits, {} to pay (net)",
        usd(r.month_to_date.gross),
        usd(r.month_to_date.credits),
        usd(r.month_to_date.net)
    ));
    v.push(format!("runway: {}", r.runway.summary));
    v
}

fn offer_cells(o: &OfferRow) -> Vec<String> {
    vec![
        o.offer.service.clone(),
        if o.offer.description.is_empty() {
            o.offer.usage_type.clone()
        } else {
            o.offer.description.clone()
        },
        format!(
            "{:.2} / {:.2} {}",
            o.offer.used, o.offer.limit, o.offer.unit
        ),
        format!("{:.0} %", o.forecast_percent),
        format!("{:?}", o.state).to_lowercase(),
    ]
}

fn text(r: &Report, detailed: bool) -> String {
    let mut s = plan_lines(r).join("\n");
    s.push_str("\n\n");
    let shown: Vec<&OfferRow> = r
        .offers
        .iter()
        .filter(|o| detailed || o.state != State::Ok)
        .collect();
    if shown.is_empty() {
        s.push_str(&format!(
            "Free Tier offers: {} read, none forecast at or over {:.0} % (--detailed lists them)\n",
            r.offers.len(),
            r.threshold_percent
        ));
    } else {
        let mut t =
            aws_core::output::new_table(["service", "offer", "used / limit", "forecast", "state"]);
        for o in &shown {
            t.add_row(offer_cells(o));
        }
        s.push_str(&aws_core::output::render_table(&t));
        let hidden = r.offers.len() - shown.len();
        if hidden > 0 {
            s.push_str(&format!(
                "{hidden} more offers under {:.0} % (--detailed lists them)\n",
                r.threshold_percent
            ));
        }
    }
    if let Some(scan) = &r.scan {
        s.push('\n');
        if scan.traps.is_empty() {
            s.push_str("cost traps: none found\n");
        } else {
            let mut t = aws_core::output::new_table(["trap", "resource", "$/month", "why", "fix"]);
            for tr in &scan.traps {
                t.add_row(vec![
                    tr.id.to_string(),
                    tr.resource.clone(),
                    tr.monthly_usd.map_or("not priced".into(), usd),
                    tr.message.clone(),
                    tr.fix.clone(),
                ]);
            }
            s.push_str(&aws_core::output::render_table(&t));
        }
    }
    s
}

/// Draw the month's daily gross and net cost to `path` (atomically); the name to link.
fn write_chart(
    path: &std::path::Path,
    ledger: &ledger::Ledger,
    month: jiff::civil::Date,
    today: jiff::civil::Date,
) -> Result<String> {
    let end = today.tomorrow().unwrap_or(today);
    let gross = ledger.daily_gross(month, end, None);
    let net: Vec<_> = gross
        .iter()
        .map(|(d, _)| (*d, ledger.split(*d, d.tomorrow().unwrap_or(*d), None).net))
        .collect();
    let title = format!("Daily cost, {}", today.strftime("%B %Y"));
    let svg = crate::chart::svg_daily(&gross, &net, &title).map_err(Error::Failed)?;
    aws_core::fs::write_atomic(
        path,
        svg.as_bytes(),
        "--chart-svg",
        aws_core::fs::Perm::Keep,
        aws_core::fs::Special::Refuse,
    )?;
    Ok(path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    ))
}

/// The monthly report: Markdown for an issue or a wiki page.
fn markdown(
    r: &Report,
    ledger: &ledger::Ledger,
    month: jiff::civil::Date,
    today: jiff::civil::Date,
    chart: Option<&str>,
) -> String {
    let mut s = format!(
        "# AWS costs and Free Tier: {} (account {}, {})\n\n",
        today.strftime("%B %Y"),
        r.account,
        r.region
    );
    for l in plan_lines(r) {
        s.push_str(&format!("- {l}\n"));
    }
    s.push_str("\n## Cost by service, month to date\n\n| service | gross | credits | net |\n|---|---:|---:|---:|\n");
    for (name, split) in ledger.by_service(month, today.tomorrow().unwrap_or(today)) {
        s.push_str(&format!(
            "| {name} | {} | {} | {} |\n",
            usd(split.gross),
            usd(split.credits),
            usd(split.net)
        ));
    }
    let days = ledger.daily_gross(month, today.tomorrow().unwrap_or(today), None);
    s.push_str("\n## Daily gross cost\n\n");
    if let Some(file) = chart {
        s.push_str(&format!("![Daily gross and net cost]({file})\n\n"));
    }
    s.push_str("```\n");
    s.push_str(&crate::chart::daily_bars(&days, None, 40));
    s.push_str("```\n\n## Free Tier offers\n\n| service | offer | used / limit | forecast | state |\n|---|---|---|---:|---|\n");
    for o in &r.offers {
        s.push_str(&format!("| {} |\n", offer_cells(o).join(" | ")));
    }
    if let Some(scan) = &r.scan {
        s.push_str("\n## Cost traps\n\n| trap | resource | $/month | fix |\n|---|---|---:|---|\n");
        for t in &scan.traps {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                t.id,
                t.resource,
                t.monthly_usd.map_or("not priced".into(), usd),
                t.fix
            ));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_filter_by_free_tier_name_or_short_name() {
        assert!(service_matches("lambda", "AWS Lambda"));
        assert!(service_matches("ecs", "Amazon Elastic Container Service"));
        assert!(service_matches("ec2", "EC2 - Other"));
        assert!(!service_matches("rds", "AWS Lambda"));
    }
}
