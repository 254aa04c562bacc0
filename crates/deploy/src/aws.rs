//! The STS lookup deploy prints first; the one adapter lives in `aws_core::sts` (the
//! rollout goes through the `ecs` library and its own adapters).

pub use aws_core::sts::{Identity, caller_identity};
