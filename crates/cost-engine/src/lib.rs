//! Free-tier-aware cost engine for Terraform.
//!
//! Flow: a loader ([`hcl_loader`] or [`plan_loader`]) builds a [`model::Stack`];
//! [`pricing`] turns each resource into monthly cost lines using the [`catalog`]
//! (a data file), the [`usage`] model and the service's scale-to-zero [`schedule`];
//! [`free_tier`] applies the offers the account actually has; [`traps`] flags what
//! quietly costs money; [`report`] renders a table, JSON or Markdown. [`engine`]
//! runs the whole flow; `estimate-costs` (and later `deploy`'s pre-flight and
//! `check-free-tier --static`) call it.

pub mod catalog;
pub mod cli;
pub mod date;
pub mod engine;
pub mod free_tier;
pub mod functions;
pub mod hcl_loader;
pub mod model;
pub mod plan_loader;
pub mod pricing;
pub mod report;
pub mod schedule;
pub mod traps;
pub mod usage;
