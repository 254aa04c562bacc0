//! `setup-local-env`: what this machine has for the fargate-free-tier workflows, what
//! is missing, and the exact command that fixes each gap. `--fix` does only what is safe
//! and local (fargate.toml, git hooks, the project's Python virtualenv); system packages
//! are never installed, their command is printed.
//!
//! [`checks`] probes (each returns a [`checks::Check`]), [`fix`] changes, [`run`]
//! orchestrates and prints.

pub mod checks;
pub mod cli;
pub mod fix;
pub mod run;
pub mod version;
