//! `parameter-store`: SSM Parameter Store management that never leaks a secret.
//!
//! Layout: [`cli`] (argument definitions), [`commands`] (one module per
//! subcommand family), [`sync`] (pure plan of an import/copy), [`store`] (the SSM
//! adapter), and pure helpers for names, values and file formats.

pub mod cli;
pub mod commands;
pub mod formats;
pub mod model;
pub mod name;
pub mod store;
pub mod sync;
pub mod value;

pub use commands::run;
