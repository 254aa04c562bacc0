//! The four tools' arguments; each turns them into a request for its command module.

mod alerts;
mod daily;
mod free_tier;
mod monitor;

pub use alerts::{AlertsCli, alerts_main};
pub use daily::{DailyCli, daily_main};
pub use free_tier::{FreeTierCli, free_tier_main};
pub use monitor::{MonitorCli, monitor_main};

/// A dollar amount on the command line: finite, not negative, at most a million.
pub fn parse_usd(s: &str) -> Result<f64, String> {
    match s.trim_start_matches('$').parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=1_000_000.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "{s:?}: a dollar amount between 0 and 1000000, e.g. 10 or 2.50"
        )),
    }
}

/// A percentage: finite, 1 to 1000.
pub fn parse_percent(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(v) if v.is_finite() && (1.0..=100_000.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?}: a percentage between 1 and 100000")),
    }
}

/// The Cost Explorer note every cost tool's help ends with (the price from the catalog).
pub fn cost_note() -> String {
    let price = pricing::catalog::Catalog::builtin()
        .price("costexplorer.request", "us-east-1")
        .map_or("a fee".to_string(), |p| {
            format!("{} each", cost_engine::estimate::usd(p))
        });
    format!(
        "Cost Explorer bills every API request ({price}, every page). The cost tools share one read\n\
         per account and day, kept in $XDG_CACHE_HOME/fargate-free-tier/cost-explorer/ (else\n\
         ~/.cache/...); --refresh reads again (billed). Each run says how many billed requests it made."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_percentages_are_bounded() {
        assert_eq!(parse_usd("10"), Ok(10.0));
        assert_eq!(parse_usd("$2.50"), Ok(2.5));
        for bad in ["-1", "NaN", "inf", "1e9", "", "ten"] {
            assert!(parse_usd(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_percent("80%"), Ok(80.0));
        assert!(parse_percent("0").is_err());
        assert!(parse_percent("NaN").is_err());
    }
}
