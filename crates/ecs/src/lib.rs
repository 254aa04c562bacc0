//! ECS operations: `ecs-deploy`, `ecs-logs`, `ecs-scale`.
//!
//! Layers, outermost first:
//! - [`cli`]: clap parsers only; each turns its arguments into a `Request`.
//! - one module per command, [`deploy`], [`logs`], [`scale`]: `run(ctx, request)`
//!   orchestrates, testable without clap.
//! - [`aws`]: the adapters, the only code that calls AWS; they count every request.
//! - pure logic: the [`rollout`] state machine, [`taskdef`] changes, [`image_ref`],
//!   [`poll`] policies, `--since` in [`logs`], schedule ownership in [`scale`].

pub mod aws;
pub mod cap;
pub mod cli;
pub mod deploy;
pub mod health;
pub mod image_ref;
pub mod logs;
pub mod poll;
pub mod rollout;
pub mod scale;
pub mod target;
pub mod taskdef;
