//! One module per tool: each takes the resolved context and a request, and runs.

pub mod billing_alerts;
pub mod cost_monitor;
pub mod daily_costs;
pub mod free_tier;
pub mod reconcile;
