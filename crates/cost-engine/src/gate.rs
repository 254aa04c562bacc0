//! The cost gate shared by `estimate-costs` and `deploy`: a budget, and for the
//! free tier the traps that no free-tier stack should carry. It fails closed: an
//! estimate with items it could not price never passes a budget.

use crate::estimate::{Estimate, usd};
use crate::traps::Severity;

/// Traps `--tier free` refuses besides every HIGH one: they bill by the hour
/// whether or not the service runs.
pub const FREE_TIER_REFUSED: [&str; 5] = [
    "NAT_GATEWAY",
    "RDS_EXTENDED_SUPPORT",
    "CONTAINER_INSIGHTS",
    "INTERFACE_ENDPOINT",
    "NO_SCALE_TO_ZERO",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tier {
    /// Only the budget is checked.
    #[default]
    Any,
    /// The budget, and no trap of [`FREE_TIER_REFUSED`] nor any HIGH trap.
    Free,
}

/// A monthly limit in USD and where it comes from (for the message).
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub max: f64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    /// Over the budget, or a trap the tier refuses (exit 8 in the tools).
    #[error("{0}")]
    Refused(String),
    /// Not checkable: items not priced (exit 9 in the tools).
    #[error("{0}")]
    Incomplete(String),
}

/// Check `e` against the budget and the tier; `Ok` carries the note to print.
pub fn check(e: &Estimate, budget: Option<&Budget>, tier: Tier) -> Result<Option<String>, Refusal> {
    if tier == Tier::Free {
        let refused: Vec<String> = e
            .traps
            .iter()
            .filter(|t| t.severity == Severity::High || FREE_TIER_REFUSED.contains(&t.id))
            .map(|t| {
                format!(
                    "{} {} ({}/month): {}",
                    t.id,
                    t.address,
                    usd(t.monthly_at_stake),
                    t.fix
                )
            })
            .collect();
        if !refused.is_empty() {
            return Err(Refusal::Refused(format!(
                "--tier free refuses {} cost trap(s):\n  {}",
                refused.len(),
                refused.join("\n  ")
            )));
        }
    }
    let Some(b) = budget else {
        return Ok(None);
    };
    if e.total_net > b.max {
        return Err(Refusal::Refused(format!(
            "estimated {}{} per month after free tier exceeds {}, {}",
            if e.complete { "" } else { "at least " },
            usd(e.total_net),
            b.source,
            usd(b.max)
        )));
    }
    if !e.complete {
        // Fail closed: what is not priced could be anything.
        return Err(Refusal::Incomplete(format!(
            "the estimate is incomplete ({} item(s) not priced: {}): at least {} per month, \
             so it cannot be checked against {}, {}",
            e.not_priced.len(),
            e.not_priced
                .iter()
                .take(3)
                .map(|n| n.address.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            usd(e.total_net),
            b.source,
            usd(b.max)
        )));
    }
    Ok(Some(format!(
        "within {}: {} of {} per month",
        b.source,
        usd(e.total_net),
        usd(b.max)
    )))
}
