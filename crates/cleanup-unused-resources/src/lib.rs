//! cleanup-unused-resources: find what costs money or clutters and serves nothing, in
//! this project's scope only, and delete exactly what the user saw.
//!
//! `scope` (what belongs to the project) and `rules` (what "unused" means) are pure;
//! `discover` reads through the adapters (`aws` for the SDK, the `aws-lite` crate for
//! EC2) and judges; `plan` is the file a dry run writes and an apply reads; `apply`
//! re-checks and acts; `guard` is the account guard; `run` orchestrates; `cli` parses.

pub mod apply;
pub mod aws;
pub mod cli;
pub mod discover;
pub mod guard;
pub mod model;
pub mod plan;
pub mod render;
pub mod rules;
pub mod run;
pub mod scope;
