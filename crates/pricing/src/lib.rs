//! Facts about AWS money that every tool shares, with no SDK and no CLI in sight:
//!
//! - [`catalog`]: the price catalog (`data/pricing.toml`), one entry per priced
//!   dimension, each with its source and confidence, per region;
//! - [`fargate`]: what a Fargate task costs per month (x86/ARM, on-demand/Spot,
//!   ephemeral storage beyond the free 20 GB, its public IPv4), computed once here for
//!   `estimate-costs` and `ecs-scale status` alike;
//! - [`schedule`]: the AWS cron dialect of Application Auto Scaling scheduled actions,
//!   and the task-hours a scale-to-zero schedule leaves;
//! - [`date`]: calendar dates (jiff) for free-tier windows and support calendars.

pub mod catalog;
pub mod date;
pub mod fargate;
pub mod schedule;
