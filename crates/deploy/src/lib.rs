//! `deploy`: pre-flight, Terraform plan, cost gate, confirmation, apply with
//! progress, image rollout and health probe, summary; or `--destroy`.
//!
//! [`run::run`] is the orchestration (callable without clap); [`terraform`] is the
//! adapter of the Terraform process (AWS is reached through the process's one
//! `aws_core::Session`); [`preflight`] checks what must hold first; [`apply_stream`]
//! and [`report`] are pure.

pub mod apply_stream;
pub mod cli;
pub mod images;
pub mod preflight;
pub mod report;
pub mod run;
pub mod terraform;
