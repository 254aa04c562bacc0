//! Help text is user documentation: snapshot it.

use test_support::help_text;

const FREE_TIER: &str = env!("CARGO_BIN_EXE_check-free-tier");
const MONITOR: &str = env!("CARGO_BIN_EXE_cost-monitor");
const DAILY: &str = env!("CARGO_BIN_EXE_check-daily-costs");
const ALERTS: &str = env!("CARGO_BIN_EXE_setup-billing-alerts");

#[test]
fn check_free_tier_help() {
    insta::assert_snapshot!(help_text(FREE_TIER, &["--help"]));
}

#[test]
fn cost_monitor_help() {
    insta::assert_snapshot!(help_text(MONITOR, &["--help"]));
}

#[test]
fn check_daily_costs_help() {
    insta::assert_snapshot!(help_text(DAILY, &["--help"]));
}

#[test]
fn setup_billing_alerts_help() {
    insta::assert_snapshot!(help_text(ALERTS, &["--help"]));
}

#[test]
fn completions_and_man_pages_are_generated_from_the_parser() {
    for bin in [FREE_TIER, MONITOR, DAILY, ALERTS] {
        test_support::assert_generates(bin);
    }
}
