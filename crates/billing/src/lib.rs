//! The billing tools and their shared library.
//!
//! Pure: `services` (short names and Cost Explorer's SERVICE values), `ledger` (daily
//! costs, gross vs credits vs net, forecast, anomalies), `freetier` (offers, runway),
//! `alerts` (budget changes), `chart`. Adapters: `aws` (the SDK: Cost Explorer, Budgets,
//! Free Tier, ECS, Logs) and the `aws-lite` crate (EC2, RDS, ELBv2, CloudWatch, Secrets
//! Manager, KMS). `cache` keeps one Cost Explorer read per account and day on disk.

pub mod alerts;
pub mod aws;
pub mod cache;
pub mod chart;
pub mod cli;
pub mod commands;
pub mod costs;
pub mod freetier;
pub mod ledger;
pub mod scan;
pub mod services;
