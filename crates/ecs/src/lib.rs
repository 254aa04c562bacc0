//! ECS operations: `ecs-deploy`, `ecs-logs`, `ecs-scale`.
//!
//! Pure logic ([`rollout`] state machine, [`taskdef`] changes, schedule parsing in
//! [`scale`], `--since` in [`logs`]) is separated from the SDK calls ([`observe`],
//! [`deploy`], and the adapter halves of [`logs`] and [`scale`]).

pub mod cli;
pub mod deploy;
pub mod health;
pub mod image_ref;
pub mod logs;
pub mod observe;
pub mod poll;
pub mod rollout;
pub mod scale;
pub mod target;
pub mod taskdef;
