//! Argument parsers and entry points of the three binaries, one module per tool.

mod deploy;
mod logs;
mod scale;

pub use deploy::{DeployCli, deploy_main};
pub use logs::{LogsCli, logs_main};
pub use scale::{ScaleArgs, ScaleCli, ScaleCommand, StatusArgs, scale_main};

use clap::Args;

/// The service a command acts on.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// ECS service name (default: the environment's only entry of `services` in
    /// fargate.toml).
    #[arg(long, short = 's')]
    pub service: Option<String>,
    /// Cluster (default: `cluster` of the environment in fargate.toml).
    #[arg(long)]
    pub cluster: Option<String>,
}

pub(crate) fn footer(examples: &str) -> String {
    format!("{examples}\n\n{}", aws_core::exit::help_footer())
}
