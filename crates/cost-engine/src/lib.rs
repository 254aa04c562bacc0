//! Free-tier-aware cost engine for Terraform.
//!
//! Flow: a loader ([`hcl_loader`] or [`plan_loader`]) builds a [`model::Stack`];
//! [`mod@pricing`] turns each resource into monthly cost lines using the [`catalog`]
//! (a data file), the [`usage`] model and the service's scale-to-zero [`schedule`];
//! [`free_tier`] applies the offers the account actually has; [`traps`] flags what
//! quietly costs money; the result is an [`estimate::Estimate`]. [`engine`] runs the
//! whole flow; the `estimate-costs` tool renders it.
//!
//! This crate is pure: it reads files and computes, and depends on neither the AWS
//! SDK nor a CLI framework (ARCHITECTURE.md, checked by `cargo xtask tidy`).

pub use ::pricing::{catalog, date, schedule};

pub mod engine;
pub mod estimate;
pub mod free_tier;
pub mod functions;
pub mod gate;
pub mod hcl_loader;
pub mod model;
pub mod plan_loader;
pub mod pricing;
pub mod reconcile;
pub mod traps;
pub mod usage;
