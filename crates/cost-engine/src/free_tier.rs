//! The Free Tier as it is (data/free_tier.toml): always-free offers for everyone,
//! legacy 12-month offers only within 12 months of creation of an account made
//! before 2025-07-15, credits for accounts made since.

use crate::date::{self, Date};
use crate::pricing::Line;
use serde::{Deserialize, Serialize};

pub const OFFERS: &str = include_str!("../data/free_tier.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offers {
    pub new_plan_cutoff: String,
    #[serde(rename = "offer")]
    pub offers: Vec<Offer>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    pub id: String,
    pub kind: String,
    pub description: String,
    pub applies_to: Vec<String>,
    pub quantity: f64,
    pub source: String,
}

/// What the account has.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "plan", rename_all = "lowercase")]
pub enum Plan {
    /// Accounts created on/after 2025-07-15: credits, always-free offers.
    Credits { credits: Option<f64> },
    /// Accounts created before 2025-07-15: legacy 12-month offers while they last.
    Legacy { created: Date },
    /// Only the always-free offers (e.g. an organisation member account).
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    pub offer: String,
    pub description: String,
    pub address: String,
    pub component: String,
    pub covered: f64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub plan: Plan,
    /// Per line (same order as the input), the dollars the offers cover.
    pub covered: Vec<f64>,
    pub applied: Vec<Applied>,
    /// Why legacy offers do or do not apply.
    pub notes: Vec<String>,
}

pub fn offers() -> Offers {
    // Checked by a unit test.
    #[allow(clippy::expect_used)]
    toml::from_str(OFFERS).expect("builtin free-tier offers are valid")
}

pub fn apply(plan: &Plan, lines: &[Line], as_of: Date) -> Outcome {
    let all = offers();
    let cutoff = date::parse(&all.new_plan_cutoff).unwrap_or(date::ymd(2025, 7, 15));
    let mut notes = Vec::new();
    let legacy_active = match plan {
        Plan::Legacy { created } if *created >= cutoff => {
            notes.push(format!(
                "account created {created}, on or after {cutoff}: no 12-month offers exist for it (credits instead); legacy offers not applied"
            ));
            false
        }
        Plan::Legacy { created } => {
            let end = date::add_months(*created, 12);
            if as_of < end {
                notes.push(format!("legacy 12-month offers apply until {end}"));
                true
            } else {
                notes.push(format!(
                    "legacy 12-month offers of an account created {created} ended on {end}: only always-free offers apply"
                ));
                false
            }
        }
        Plan::Credits { .. } => {
            notes.push("credit-plan account: no 12-month offers; always-free offers apply, the rest is paid from credits".into());
            false
        }
        Plan::None => false,
    };
    let mut covered = vec![0.0; lines.len()];
    let mut applied = Vec::new();
    for offer in all
        .offers
        .iter()
        .filter(|o| o.kind == "always" || (o.kind == "legacy" && legacy_active))
    {
        let mut left = offer.quantity;
        for (i, l) in lines.iter().enumerate() {
            if left <= 0.0 || !offer.applies_to.contains(&l.price_id) || l.unit_price <= 0.0 {
                continue;
            }
            let already = covered[i] / l.unit_price;
            let open = (l.quantity - already).max(0.0);
            let take = open.min(left);
            if take <= 0.0 {
                continue;
            }
            left -= take;
            // Line totals may carry a factor (Spot): scale the cover the same way.
            let factor = if l.quantity * l.unit_price > 0.0 {
                l.monthly / (l.quantity * l.unit_price)
            } else {
                1.0
            };
            let dollars = take * l.unit_price * factor;
            covered[i] += dollars;
            applied.push(Applied {
                offer: offer.id.clone(),
                description: offer.description.clone(),
                address: l.address.clone(),
                component: l.component.clone(),
                covered: dollars,
                source: offer.source.clone(),
            });
        }
    }
    Outcome {
        plan: plan.clone(),
        covered,
        applied,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(price_id: &str, quantity: f64, unit_price: f64) -> Line {
        Line {
            address: "a".into(),
            module: String::new(),
            rtype: "t".into(),
            component: "c".into(),
            quantity,
            unit: "u".into(),
            price_id: price_id.into(),
            unit_price,
            monthly: quantity * unit_price,
            explain: String::new(),
        }
    }

    #[test]
    fn builtin_offers_parse_and_fargate_is_never_free() {
        let o = offers();
        assert!(
            o.offers
                .iter()
                .all(|x| x.kind == "always" || x.kind == "legacy")
        );
        assert!(!o.offers.iter().any(|x| {
            x.applies_to
                .iter()
                .any(|p| p.starts_with("fargate.") || p == "vpc.public_ipv4.hour")
        }));
    }

    #[test]
    fn always_free_logs_are_shared_across_groups() {
        let lines = vec![
            l("cloudwatch.logs.ingest.gb", 3.0, 0.5),
            l("cloudwatch.logs.ingest.gb", 3.0, 0.5),
        ];
        let out = apply(&Plan::None, &lines, date::ymd(2026, 11, 27));
        assert_eq!(out.covered, vec![1.5, 1.0]); // 5 GB total
    }

    #[test]
    fn legacy_offers_only_within_twelve_months() {
        let lines = vec![l("elb.alb.hour", 730.0, 0.0225)];
        let created = date::ymd(2025, 3, 1);
        let within = apply(&Plan::Legacy { created }, &lines, date::ymd(2025, 11, 1));
        assert!((within.covered[0] - 16.425).abs() < 1e-9);
        let after = apply(&Plan::Legacy { created }, &lines, date::ymd(2026, 11, 27));
        assert_eq!(after.covered[0], 0.0);
        assert!(after.notes[0].contains("ended on 2026-03-01"));
        let new_account = apply(
            &Plan::Legacy {
                created: date::ymd(2025, 8, 1),
            },
            &lines,
            date::ymd(2025, 9, 1),
        );
        assert_eq!(new_account.covered[0], 0.0);
    }
}
