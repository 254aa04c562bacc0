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

impl Budget {
    /// The one budget rule of deploy and estimate-costs: `--max-monthly`, else the
    /// `budget` of the environment in fargate.toml (`environment`: its name and budget).
    pub fn select(flag: Option<f64>, environment: Option<(&str, Option<f64>)>) -> Option<Budget> {
        match (flag, environment) {
            (Some(max), _) => Some(Budget {
                max,
                source: "--max-monthly".into(),
            }),
            (None, Some((name, Some(max)))) => Some(Budget {
                max,
                source: format!("the budget of environment {name} (fargate.toml)"),
            }),
            (None, _) => None,
        }
    }
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

#[cfg(test)]
mod budget_tests {
    use super::Budget;

    #[test]
    fn the_flag_wins_then_the_environment_budget_then_none() {
        let flag = Budget::select(Some(5.0), Some(("dev", Some(10.0)))).expect("flag");
        assert_eq!((flag.max, flag.source.as_str()), (5.0, "--max-monthly"));
        let env = Budget::select(None, Some(("dev", Some(10.0)))).expect("environment");
        assert_eq!(env.max, 10.0);
        assert_eq!(env.source, "the budget of environment dev (fargate.toml)");
        assert_eq!(Budget::select(None, Some(("dev", None))), None);
        assert_eq!(Budget::select(None, None), None);
    }
}
