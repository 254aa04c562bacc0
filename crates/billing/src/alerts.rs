//! setup-billing-alerts' decisions: the budget wanted, what exists, and the changes
//! between them (pure). A budget Terraform manages is verified, never changed.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlertKind {
    Actual,
    Forecasted,
}

/// "Tell me when actual (or forecast) spend passes N % of the limit."
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Alert {
    pub kind: AlertKind,
    pub threshold_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(
    rename_all = "SCREAMING_SNAKE_CASE",
    tag = "protocol",
    content = "address"
)]
pub enum Subscriber {
    Email(String),
    Sns(String),
}

/// A monthly cost budget as AWS Budgets holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Budget {
    pub name: String,
    pub limit_usd: Option<f64>,
    /// The limit's unit: `USD` for a cost budget, `GB`, `Hrs`... for a usage one.
    pub limit_unit: Option<String>,
    /// `MONTHLY`, ...
    pub time_unit: String,
    /// `COST`, ...
    pub budget_type: String,
    /// AWS Budgets' own figures (free to read).
    pub actual_usd: Option<f64>,
    pub forecast_usd: Option<f64>,
    /// Its alerts and their subscribers (empty when read without them).
    pub alerts: Vec<(Alert, Vec<Subscriber>)>,
}

/// What `--budget-limit` and friends ask for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Wanted {
    pub name: String,
    pub limit_usd: f64,
    pub alerts: Vec<Alert>,
    pub subscribers: Vec<Subscriber>,
}

/// The alerts every budget of this project gets: 80 % of actual spend, 100 % of the
/// forecast (the same pair terraform/modules/monitoring creates).
pub fn standard_alerts() -> Vec<Alert> {
    vec![
        Alert {
            kind: AlertKind::Actual,
            threshold_percent: 80.0,
        },
        Alert {
            kind: AlertKind::Forecasted,
            threshold_percent: 100.0,
        },
    ]
}

/// AWS's zero-spend budget: alert on the first cent of actual spend.
pub fn zero_spend(name: &str, subscribers: &[Subscriber]) -> Wanted {
    Wanted {
        name: name.to_string(),
        limit_usd: 0.01,
        alerts: vec![Alert {
            kind: AlertKind::Actual,
            threshold_percent: 100.0,
        }],
        subscribers: subscribers.to_vec(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "change")]
pub enum Change {
    CreateBudget {
        name: String,
        limit_usd: f64,
    },
    SetLimit {
        name: String,
        from_usd: Option<f64>,
        to_usd: f64,
    },
    AddAlert {
        name: String,
        alert: Alert,
    },
    AddSubscriber {
        name: String,
        alert: Alert,
        subscriber: Subscriber,
    },
}

fn same_alert(a: &Alert, b: &Alert) -> bool {
    a.kind == b.kind && (a.threshold_percent - b.threshold_percent).abs() < 1e-9
}

/// Equal as AWS Budgets holds them: in whole cents, rounded the way this tool sends a
/// limit (`{:.2}`), so a limit like 10.125 is the same on every run.
fn same_money(a: f64, b: f64) -> bool {
    format!("{a:.2}") == format!("{b:.2}")
}

/// Why an existing budget of the wanted name is not one this tool may manage: it is
/// not a MONTHLY COST budget in USD. Such a budget is never "unchanged" and never
/// rewritten (UpdateBudget would replace its type, unit and cost settings).
pub fn foreign_kind(b: &Budget) -> Option<String> {
    let unit = b.limit_unit.as_deref().unwrap_or("USD");
    if b.time_unit == "MONTHLY" && b.budget_type == "COST" && unit == "USD" {
        return None;
    }
    Some(format!(
        "budget {} is a {} {} budget in {unit}, not a MONTHLY COST budget in USD",
        b.name, b.time_unit, b.budget_type
    ))
}

/// The changes that turn `existing` into `wanted`; none when it already is. Alerts and
/// subscribers that exist and are not wanted are left alone (someone added them).
pub fn changes(wanted: &Wanted, existing: Option<&Budget>) -> Vec<Change> {
    let Some(b) = existing else {
        return vec![Change::CreateBudget {
            name: wanted.name.clone(),
            limit_usd: wanted.limit_usd,
        }];
    };
    let mut out = Vec::new();
    if !b.limit_usd.is_some_and(|l| same_money(l, wanted.limit_usd)) {
        out.push(Change::SetLimit {
            name: b.name.clone(),
            from_usd: b.limit_usd,
            to_usd: wanted.limit_usd,
        });
    }
    for alert in &wanted.alerts {
        match b.alerts.iter().find(|(a, _)| same_alert(a, alert)) {
            None => out.push(Change::AddAlert {
                name: b.name.clone(),
                alert: *alert,
            }),
            Some((_, subs)) => {
                for s in wanted.subscribers.iter().filter(|s| !subs.contains(s)) {
                    out.push(Change::AddSubscriber {
                        name: b.name.clone(),
                        alert: *alert,
                        subscriber: s.clone(),
                    });
                }
            }
        }
    }
    out
}

/// How a budget Terraform manages differs from what was asked (reported, not fixed).
/// Subscribers asked for that are not on every standard alert of `b` (a budget this
/// tool does not change, so `--email` there is a difference, not silently dropped).
pub fn missing_subscribers(wanted: &[Subscriber], b: &Budget) -> Vec<String> {
    wanted
        .iter()
        .filter(|w| {
            !standard_alerts().iter().all(|alert| {
                b.alerts
                    .iter()
                    .any(|(a, subs)| same_alert(a, alert) && subs.contains(w))
            })
        })
        .map(|w| match w {
            Subscriber::Email(e) => format!("{e} is not subscribed to both alerts"),
            Subscriber::Sns(t) => format!("topic {t} is not subscribed to both alerts"),
        })
        .collect()
}

pub fn differences(wanted_limit: f64, b: &Budget) -> Vec<String> {
    let mut out: Vec<String> = foreign_kind(b).into_iter().collect();
    match b.limit_usd {
        Some(l) if same_money(l, wanted_limit) => {}
        Some(l) => out.push(format!(
            "its limit is {}, not {}",
            cost_engine::estimate::usd(l),
            cost_engine::estimate::usd(wanted_limit)
        )),
        None => out.push("it has no limit".into()),
    }
    for alert in standard_alerts() {
        if !b.alerts.iter().any(|(a, _)| same_alert(a, &alert)) {
            out.push(format!(
                "it has no {:?} alert at {} %",
                alert.kind, alert.threshold_percent
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted() -> Wanted {
        Wanted {
            name: "b".into(),
            limit_usd: 10.0,
            alerts: standard_alerts(),
            subscribers: vec![Subscriber::Email("me@example.com".into())],
        }
    }

    fn existing(limit: f64, subs: Vec<Subscriber>) -> Budget {
        Budget {
            name: "b".into(),
            limit_usd: Some(limit),
            limit_unit: Some("USD".into()),
            time_unit: "MONTHLY".into(),
            budget_type: "COST".into(),
            actual_usd: None,
            forecast_usd: None,
            alerts: standard_alerts()
                .into_iter()
                .map(|a| (a, subs.clone()))
                .collect(),
        }
    }

    #[test]
    fn a_budget_that_matches_needs_nothing_and_a_missing_one_is_created() {
        let subs = vec![Subscriber::Email("me@example.com".into())];
        assert_eq!(changes(&wanted(), Some(&existing(10.0, subs.clone()))), []);
        assert_eq!(
            changes(&wanted(), Some(&existing(10.001, subs))),
            [],
            "cents, not floats"
        );
        assert!(matches!(
            changes(&wanted(), None)[..],
            [Change::CreateBudget { .. }]
        ));
    }

    #[test]
    fn a_different_limit_or_a_missing_alert_or_subscriber_is_a_change() {
        let mut b = existing(5.0, vec![]);
        b.alerts.pop();
        let c = changes(&wanted(), Some(&b));
        assert_eq!(c.len(), 3, "{c:?}");
        assert!(matches!(c[0], Change::SetLimit { to_usd, .. } if to_usd == 10.0));
        assert!(matches!(c[1], Change::AddSubscriber { .. }));
        assert!(matches!(
            c[2],
            Change::AddAlert {
                alert: Alert {
                    kind: AlertKind::Forecasted,
                    ..
                },
                ..
            }
        ));
    }

    #[test]
    fn terraform_budgets_are_described_not_changed() {
        let subs = vec![Subscriber::Sns("arn:aws:sns:us-east-1:1:t".into())];
        assert!(differences(10.0, &existing(10.0, subs.clone())).is_empty());
        let d = differences(20.0, &existing(10.0, subs));
        assert_eq!(d, ["its limit is $10.00, not $20.00"]);
    }

    /// Red team round 3, item 16: 10.125 is sent as "10.12"; re-reading it is no change.
    #[test]
    fn half_cent_limits_are_idempotent() {
        let w = Wanted {
            limit_usd: 10.125,
            ..wanted()
        };
        let subs = w.subscribers.clone();
        assert!(changes(&w, Some(&existing(10.12, subs))).is_empty());
    }

    /// Item 10: an annual or a usage budget of the same name is not ours to manage.
    #[test]
    fn a_budget_of_another_kind_is_foreign() {
        let mut b = existing(10.0, vec![]);
        assert_eq!(foreign_kind(&b), None);
        b.time_unit = "ANNUALLY".into();
        assert!(foreign_kind(&b).expect("foreign").contains("ANNUALLY COST"));
        let mut u = existing(10.0, vec![]);
        u.budget_type = "USAGE".into();
        u.limit_unit = Some("GB".into());
        assert!(foreign_kind(&u).expect("foreign").contains("in GB"));
        assert!(!differences(10.0, &u).is_empty());
    }
}
