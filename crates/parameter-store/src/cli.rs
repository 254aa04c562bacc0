//! Command-line interface of `parameter-store` (clap derive). No logic here.

use crate::formats::Format;
use crate::model::{ParamType, Tier};
use aws_core::cli::GlobalArgs;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const ABOUT: &str = "Manage an environment's configuration and secrets in SSM Parameter Store.";

const LONG_ABOUT: &str = "\
Manage an environment's configuration and secrets in SSM Parameter Store
(standard tier: free, values up to 4 KB, 10,000 parameters per account and region).

SecureString values are never taken from the command line, never printed unless you
pass --reveal, and never logged. They are encrypted with the AWS-managed key
alias/aws/ssm, which has no monthly fee.";

const EXAMPLES: &str = "\
Examples:
  # a secret: typed at a hidden prompt, or piped in
  parameter-store create --name /app/dev/db-password --type SecureString
  printf %s \"$PW\" | parameter-store create --name /app/dev/db-password \\
    --type SecureString
  # a config file (JSON/YAML is validated before anything is written)
  parameter-store create --name /app/dev/config --from-file config.json
  # values of secrets are masked
  parameter-store list /app/dev
  parameter-store get /app/dev/db-password --reveal --raw
  # which keys differ, no values
  parameter-store diff /app/dev /app/prod
  parameter-store export /app/dev --format dotenv --reveal --file dev.env
  parameter-store import /app/dev dev.env --dry-run
  # run a command with the parameters as environment variables
  parameter-store exec /app/dev -- ./server";

#[derive(Debug, Parser)]
#[command(
    name = "parameter-store",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n{}", aws_core::exit::help_footer()),
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a parameter (or replace it with --overwrite).
    #[command(visible_alias = "put")]
    Create(CreateArgs),
    /// Replace an existing parameter's value, keeping its type (fails if it does not exist).
    Update(CreateArgs),
    /// Show one parameter (the value of a SecureString only with --reveal).
    Get(GetArgs),
    /// List the parameters under a path, recursively; secrets masked.
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show every version of a parameter; secrets masked.
    History(HistoryArgs),
    /// Delete parameters (asks first; --yes to skip the question).
    #[command(visible_alias = "rm")]
    Delete(DeleteArgs),
    /// Compare two paths (e.g. /app/dev and /app/prod) key by key, without values.
    Diff(DiffArgs),
    /// Copy every parameter under one path to another (unchanged ones are skipped).
    Copy(CopyArgs),
    /// Write a whole path from a JSON, YAML or dotenv file, all-or-nothing validation.
    Import(ImportArgs),
    /// Print a whole path as JSON, YAML or dotenv (secrets only with --reveal).
    Export(ExportArgs),
    /// Run a command with a path's parameters as environment variables.
    Exec(ExecArgs),
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Fully qualified name, e.g. /app/dev/db-password.
    #[arg(long, short = 'n')]
    pub name: String,

    /// Parameter type. Default: the existing parameter's type when overwriting;
    /// otherwise SecureString when the value is typed or piped in, String for --value
    /// and --from-file.
    #[arg(long = "type", short = 't', value_enum)]
    pub kind: Option<ParamType>,

    /// The value, for String and StringList only (a secret on the command line
    /// ends up in shell history and `ps`). Without it, the value is read from a
    /// hidden prompt, or from stdin when stdin is not a terminal.
    #[arg(long, conflicts_with = "from_file")]
    pub value: Option<String>,

    /// Read the value from a file (JSON and YAML files are syntax-checked).
    #[arg(long, short = 'f', value_name = "FILE")]
    pub from_file: Option<PathBuf>,

    /// Replace the value if the parameter exists (the old one stays in history). The
    /// existing type is kept unless --type is given.
    #[arg(long)]
    pub overwrite: bool,

    /// Allow --type to turn an existing SecureString into a plain String or StringList
    /// (its value is then stored and shown unencrypted).
    #[arg(long, requires = "kind")]
    pub change_type: bool,

    /// Free-text description stored with the parameter (not secret: never put values here).
    #[arg(long, short = 'd')]
    pub description: Option<String>,

    /// Tags as KEY=VALUE, comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "KEY=VALUE")]
    pub tags: Vec<String>,

    /// KMS key for SecureString. Default: the AWS-managed alias/aws/ssm (no monthly
    /// fee). A customer-managed key costs $1/month plus requests.
    #[arg(long, value_name = "KEY")]
    pub key_id: Option<String>,

    /// standard: free, up to 4 KB. advanced: up to 8 KB, $0.05 per parameter-month.
    #[arg(long, value_enum, default_value_t = Tier::Standard)]
    pub tier: Tier,

    /// Check everything and show what would be written, without writing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct GetArgs {
    pub name: String,
    /// Decrypt and show a SecureString value.
    #[arg(long, visible_alias = "with-decryption")]
    pub reveal: bool,
    /// Print only the value (for scripts: `$(parameter-store get NAME --reveal --raw)`).
    #[arg(long)]
    pub raw: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Path to list, e.g. /app/dev. Default: the environment's parameter_path
    /// from fargate.toml, or /app/<environment>.
    pub path: Option<String>,
    /// Only direct children of the path.
    #[arg(long)]
    pub no_recursive: bool,
    /// Decrypt and show SecureString values.
    #[arg(long, visible_alias = "with-decryption")]
    pub reveal: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    pub name: String,
    /// Decrypt and show SecureString values.
    #[arg(long, visible_alias = "with-decryption")]
    pub reveal: bool,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Names to delete; with --recursive, one path whose whole subtree is deleted.
    #[arg(required = true)]
    pub names: Vec<String>,
    /// Treat the argument as a path and delete everything below it.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// Do not ask for confirmation (needed when there is no terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Show what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    pub left: String,
    pub right: String,
    /// Exit with code 8 when the paths differ (like `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, Args)]
pub struct CopyArgs {
    pub from: String,
    pub to: String,
    /// Replace parameters that exist at the destination with a different value.
    #[arg(long)]
    pub overwrite: bool,
    /// Show the plan without writing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Path to write under, e.g. /app/dev.
    pub path: String,
    /// File to read: .json, .yaml/.yml or .env (or give --format).
    pub file: PathBuf,
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Type of new parameters (default SecureString); existing ones keep their type
    /// unless this is given.
    #[arg(long = "type", short = 't', value_enum)]
    pub kind: Option<ParamType>,
    #[arg(long, value_enum, default_value_t = Tier::Standard)]
    pub tier: Tier,
    /// Show the plan (create / update / unchanged) without writing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub path: String,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Include decrypted SecureString values (otherwise they are left out).
    #[arg(long, visible_alias = "with-decryption")]
    pub reveal: bool,
    /// Write to this file (created with mode 0600, replaced atomically) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Path(s) whose parameters become environment variables (later paths win).
    #[arg(required = true, num_args = 1..)]
    pub paths: Vec<String>,
    /// Let a parameter replace PATH, HOME, LD_PRELOAD and the other variables that
    /// decide what runs.
    #[arg(long)]
    pub allow_override: bool,
    /// Run the command even when the paths hold no parameters (by default that is an
    /// error: a mistyped path would start the program without its secrets).
    #[arg(long)]
    pub allow_empty: bool,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true)]
    pub command: Vec<String>,
}
