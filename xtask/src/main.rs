//! `cargo xtask <task>`: the project's automation, in Rust so it runs anywhere cargo does.
//!
//! - `ci`        everything CI runs (.ci/run calls exactly this)
//! - `deploy`    build `deploy` and run it (`--emulator`: the whole path against moto)
//! - `demo`      the main job on the bundled dev environment, no AWS account needed
//! - `emulator`  start moto's AWS emulator for manual use and print the env to export
//! - `bench`     benchmarks against the AWS CLI / boto3 on the same emulator
//! - `install`   every tool, built once, into ~/.cargo/bin (or --root DIR)
//! - `tidy`      the architecture invariants of ARCHITECTURE.md, checked
//! - `completions` shell completions and man pages of every tool, under target/
//! - `tfdocs`    the Inputs/Outputs tables of the Terraform module READMEs
//! - `validate`  `terraform validate` of every root, offline (provider mirror)
//! - `corpus`    estimate-costs against real-world configurations (needs GitHub access)

mod bench;
mod bench_push;
mod bench_rollout;
mod ci;
mod completions;
mod corpus;
mod demo;
mod deploy;
mod install;
mod python;
mod terraform;
mod tfdocs;
mod tidy;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Project automation (CI, demo, emulator, benchmarks)"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run every check CI runs: formatting, lints, all tests (installs Python test tools if missing).
    Ci {
        /// Skip formatting and clippy (tests only).
        #[arg(long)]
        tests_only: bool,
    },
    /// Build the release `deploy` and run it for the default environment of
    /// fargate.toml; arguments after `--` are passed on.
    Deploy {
        /// Run the whole path (`global`, then `dev`) against a local emulator with
        /// real Terraform: no AWS account needed.
        #[arg(long)]
        emulator: bool,
        /// Arguments for deploy (after `--`).
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Show the tools working against a local emulator: no AWS account needed.
    Demo,
    /// Start moto's AWS emulator on 127.0.0.1 and print the variables to export.
    Emulator {
        #[arg(long, default_value_t = 5000)]
        port: u16,
    },
    /// Build every tool (one cargo build) and install them into ROOT/bin
    /// (default ~/.cargo/bin).
    Install {
        /// Install into DIR/bin.
        #[arg(long, value_name = "DIR")]
        root: Option<std::path::PathBuf>,
        /// Unoptimised build (fast to build, slower to run): for trying the tools out.
        #[arg(long, conflicts_with = "dist")]
        debug: bool,
        /// The profile a GitHub release ships (opt-level 3, thin LTO: slower to build).
        #[arg(long)]
        dist: bool,
    },
    /// Check the architecture invariants of ARCHITECTURE.md (crate edges, SDK calls
    /// only in adapters, paths named in Markdown exist).
    Tidy,
    /// Regenerate the Inputs/Outputs tables of the Terraform module READMEs.
    Tfdocs,
    /// `terraform validate` of every root with the real provider, from the offline
    /// provider mirror (TF_PROVIDER_MIRROR, default /opt/tf-plugins).
    Validate,
    /// Write every tool's shell completions (bash, zsh, fish) and man page under target/.
    Completions,
    /// Check estimate-costs against the real-world configurations of
    /// crates/cost-engine/corpus/corpus.toml (fetched at pinned commits).
    Corpus {
        /// Read the repositories from local mirrors DIR/OWNER+NAME/repo instead of
        /// cloning them from github.com.
        #[arg(long, value_name = "DIR")]
        mirror: Option<std::path::PathBuf>,
    },
    /// Benchmark a tool against the AWS CLI / boto3 on the same emulator.
    Bench {
        #[command(subcommand)]
        target: bench::Target,
    },
}

fn main() -> std::process::ExitCode {
    // Print the error chain ourselves: no backtrace noise when RUST_BACKTRACE is set.
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nerror: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match cli.task {
        Task::Ci { tests_only } => ci::run(tests_only),
        Task::Deploy { emulator, args } => deploy::run(emulator, &args),
        Task::Demo => demo::run(),
        Task::Tidy => tidy::run(),
        Task::Install { root, debug, dist } => install::run(
            root,
            match (debug, dist) {
                (true, _) => install::Profile::Debug,
                (_, true) => install::Profile::Dist,
                _ => install::Profile::Release,
            },
        ),
        Task::Tfdocs => tfdocs::run(),
        Task::Validate => terraform::validate_roots(),
        Task::Completions => completions::run(),
        Task::Emulator { port } => python::emulator(port),
        Task::Bench { target } => bench::run(target),
        Task::Corpus { mirror } => corpus::run(mirror.as_deref()),
    }
}

fn workspace_root() -> std::path::PathBuf {
    let manifest = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or(manifest)
}

/// Run a command, echoing it; fail with its name if it fails.
pub fn run_cmd(program: &str, args: &[&str]) -> anyhow::Result<()> {
    eprintln!("\n$ {program} {}", args.join(" "));
    let mut command = std::process::Command::new(program);
    command.args(args);
    // `cargo xtask` runs under `cargo run`, which sets CARGO_MANIFEST_DIR, CARGO_PKG_* ...
    // for xtask. A cargo started from here would pass them to build scripts that watch
    // them (ring's watches CARGO_MANIFEST_DIR) and rebuild what a plain `cargo build`
    // built: measured 86 s. Without them the two builds are the same.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_PKG_")
            || matches!(
                key.as_ref(),
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            )
        {
            command.env_remove(key.as_ref());
        }
    }
    let status = command
        .status()
        .map_err(|e| anyhow::anyhow!("cannot run {program}: {e}"))?;
    anyhow::ensure!(
        status.success(),
        "`{program} {}` failed ({status})",
        args.join(" ")
    );
    Ok(())
}

pub fn has_program(program: &str, version_arg: &str) -> bool {
    std::process::Command::new(program)
        .arg(version_arg)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
