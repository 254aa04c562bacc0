//! The Free Tier API's answers, judged: each offer's use against its limit, and the
//! account plan's runway (days until the credits or the free plan run out).

use jiff::civil::Date;
use serde::Serialize;

/// One Free Tier offer's month, as `GetFreeTierUsage` reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Offer {
    pub service: String,
    pub usage_type: String,
    pub description: String,
    pub unit: String,
    pub free_tier_type: String,
    pub used: f64,
    pub forecast: f64,
    pub limit: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Ok,
    /// Forecast (or use) at or above the alert threshold.
    Warning,
    /// Forecast to exceed the limit by month end.
    ForecastOver,
    /// Already over the limit: the excess is billed.
    Over,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferRow {
    #[serde(flatten)]
    pub offer: Offer,
    pub used_percent: f64,
    pub forecast_percent: f64,
    pub state: State,
}

fn percent(v: f64, limit: f64) -> f64 {
    if limit > 0.0 {
        v / limit * 100.0
    } else if v > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}

/// Judge each offer against `threshold_percent`; worst first.
pub fn evaluate(offers: Vec<Offer>, threshold_percent: f64) -> Vec<OfferRow> {
    let mut rows: Vec<OfferRow> = offers
        .into_iter()
        .map(|offer| {
            let used_percent = percent(offer.used, offer.limit);
            let forecast_percent = percent(offer.forecast.max(offer.used), offer.limit);
            let state = if used_percent > 100.0 {
                State::Over
            } else if forecast_percent > 100.0 {
                State::ForecastOver
            } else if forecast_percent >= threshold_percent {
                State::Warning
            } else {
                State::Ok
            };
            OfferRow {
                offer,
                used_percent,
                forecast_percent,
                state,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.state
            .cmp(&a.state)
            .then(b.forecast_percent.total_cmp(&a.forecast_percent))
    });
    rows
}

/// The account plan (`GetAccountPlanState`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// `FREE` or `PAID` (or what AWS says, verbatim).
    pub plan_type: String,
    /// `ACTIVE`, `EXPIRED`, `NOT_STARTED`.
    pub status: String,
    pub remaining_credits_usd: Option<f64>,
    pub expires: Option<Date>,
}

/// How long the plan lasts at the current burn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Runway {
    /// Gross cost per day the credits pay for (the month's complete days so far).
    pub daily_burn: f64,
    /// Days until the credits are used up at that burn (`None`: no burn).
    pub credit_days: Option<f64>,
    /// Days until the free plan expires.
    pub plan_days: Option<i64>,
    /// What ends first, for people.
    pub summary: String,
}

/// Days before the end of a free plan (the date AWS reports) that are a warning.
pub const DEFAULT_CLOSING_DAYS: u32 = 30;

/// Within `warn_days` of the date AWS reports for the end of a free plan: what then
/// happens and what to do. `None` on a paid plan, with no date, or further away.
pub fn closing(plan: &Plan, today: Date, warn_days: u32) -> Option<String> {
    let ends = plan.expires?;
    if plan.plan_type != "FREE" {
        return None;
    }
    let days = i64::from((ends - today).get_days());
    if days > i64::from(warn_days) {
        return None;
    }
    let when = if days < 0 {
        format!("ended on {ends}")
    } else {
        format!("ends on {ends}, in {days} day(s)")
    };
    Some(format!(
        "the free plan {when} (the date AWS reports): unless the account is upgraded to the \
         paid plan (Billing console > Free Tier), AWS closes it, and everything in it stops, \
         this stack included; upgrading starts billing what the credits do not cover"
    ))
}

pub fn runway(plan: &Plan, daily_burn: f64, today: Date) -> Runway {
    let credit_days = match plan.remaining_credits_usd {
        Some(c) if daily_burn > 0.0 => Some((c / daily_burn).max(0.0)),
        _ => None,
    };
    let plan_days = plan.expires.map(|d| (d - today).get_days().into());
    let summary = match (credit_days, plan_days, plan.remaining_credits_usd) {
        (_, _, _) if plan.plan_type != "FREE" => {
            "paid plan: every charge is billed (credits, if any, apply first)".to_string()
        }
        (Some(c), Some(p), _) if c < p as f64 => format!(
            "credits run out first: in {c:.0} days at {}/day, {} days before the free plan ends",
            cost_engine::estimate::usd(daily_burn),
            (p as f64 - c).round()
        ),
        (Some(c), Some(p), _) => format!(
            "the free plan ends first, in {p} days; the credits would last {c:.0} days at {}/day",
            cost_engine::estimate::usd(daily_burn)
        ),
        (Some(c), None, _) => format!(
            "credits run out in {c:.0} days at {}/day",
            cost_engine::estimate::usd(daily_burn)
        ),
        (None, Some(p), Some(_)) => format!(
            "no spend so far this month: the credits outlast the free plan, which ends in {p} days"
        ),
        (None, Some(p), None) => format!("the free plan ends in {p} days"),
        (None, None, _) => "no spend and no end date reported".to_string(),
    };
    Runway {
        daily_burn,
        credit_days,
        plan_days,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn offer(used: f64, forecast: f64, limit: f64) -> Offer {
        Offer {
            service: "AWS Lambda".into(),
            usage_type: "Request".into(),
            description: "1,000,000 requests".into(),
            unit: "Requests".into(),
            free_tier_type: "Always Free".into(),
            used,
            forecast,
            limit,
        }
    }

    #[test]
    fn offers_are_judged_worst_first() {
        let rows = evaluate(
            vec![
                offer(10.0, 20.0, 100.0),
                offer(50.0, 85.0, 100.0),
                offer(60.0, 130.0, 100.0),
                offer(120.0, 150.0, 100.0),
            ],
            80.0,
        );
        let states: Vec<State> = rows.iter().map(|r| r.state).collect();
        assert_eq!(
            states,
            [State::Over, State::ForecastOver, State::Warning, State::Ok]
        );
        assert!((rows[1].forecast_percent - 130.0).abs() < 1e-9);
        // A zero limit with use is over, not a division by zero.
        assert_eq!(
            evaluate(vec![offer(1.0, 1.0, 0.0)], 80.0)[0].state,
            State::Over
        );
    }

    fn plan(credits: Option<f64>, expires: Option<Date>) -> Plan {
        Plan {
            plan_type: "FREE".into(),
            status: "ACTIVE".into(),
            remaining_credits_usd: credits,
            expires,
        }
    }

    #[test]
    fn a_free_plan_near_its_end_date_is_a_warning_with_what_happens() {
        let today = date(2026, 11, 28);
        let soon = plan(Some(50.0), Some(date(2026, 12, 10)));
        let w = closing(&soon, today, 30).expect("12 days is within 30");
        assert!(
            w.starts_with("the free plan ends on 2026-12-10, in 12 day(s)"),
            "{w}"
        );
        assert!(w.contains("AWS closes it"), "{w}");
        assert_eq!(closing(&soon, today, 7), None);
        let ended = plan(None, Some(date(2026, 11, 1)));
        assert!(closing(&ended, today, 0).is_some_and(|w| w.contains("ended on 2026-11-01")));
        let mut paid = soon.clone();
        paid.plan_type = "PAID".into();
        assert_eq!(closing(&paid, today, 30), None);
        assert_eq!(closing(&plan(Some(1.0), None), today, 30), None);
    }

    #[test]
    fn runway_says_what_ends_first() {
        let today = date(2026, 11, 28);
        let r = runway(&plan(Some(100.0), Some(date(2027, 5, 1))), 2.0, today);
        assert_eq!(r.credit_days, Some(50.0));
        assert_eq!(r.plan_days, Some(154));
        assert!(
            r.summary
                .starts_with("credits run out first: in 50 days at $2.00/day"),
            "{}",
            r.summary
        );

        let r = runway(&plan(Some(100.0), Some(date(2026, 12, 8))), 0.5, today);
        assert!(
            r.summary
                .starts_with("the free plan ends first, in 10 days"),
            "{}",
            r.summary
        );

        let r = runway(&plan(Some(100.0), Some(date(2026, 12, 8))), 0.0, today);
        assert_eq!(r.credit_days, None);
        assert!(r.summary.contains("no spend"), "{}", r.summary);

        let mut paid = plan(None, None);
        paid.plan_type = "PAID".into();
        assert!(runway(&paid, 1.0, today).summary.starts_with("paid plan"));
    }
}
