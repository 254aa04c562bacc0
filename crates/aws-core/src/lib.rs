//! Shared foundation of the fargate-free-tier tools.
//!
//! Every binary in the workspace follows the same flow:
//! `main.rs` parses [`cli::GlobalArgs`] plus its own arguments, builds a
//! [`context::Context`] once (project config + one `SdkConfig`), calls its
//! library code, and hands the result to [`cli::finish`], which prints errors
//! with a hint and maps them to the documented [`exit::ExitCode`]s.

pub mod cap;
pub mod cli;
pub mod config;
pub mod context;
pub mod error;
pub mod exit;
pub mod fs;
#[cfg(feature = "http")]
pub mod http;
pub mod input;
pub mod names;
pub mod output;
pub mod paging;
pub mod preflight;
pub mod process;
pub mod progress;
pub mod prompt;
pub mod retry;
#[cfg(feature = "sdk")]
pub mod sdk;
pub mod secrets;
#[cfg(feature = "sdk")]
pub mod services;
#[cfg(feature = "sdk")]
pub mod session;
pub mod settings;
pub mod signals;
#[cfg(feature = "sdk")]
pub mod sts;
pub mod terraform;
pub mod text;

#[cfg(feature = "sdk")]
pub use aws_config::SdkConfig;
pub use context::Context;
pub use error::{Error, Result};
pub use exit::ExitCode;
#[cfg(feature = "sdk")]
pub use session::Session;
