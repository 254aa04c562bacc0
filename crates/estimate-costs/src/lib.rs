//! `estimate-costs`: the monthly cost of a Terraform environment before anything is
//! deployed. The arithmetic is `cost-engine`'s (pure); this crate parses arguments,
//! resolves `fargate.toml` and renders the estimate.

pub mod cli;
pub mod render;
