//! `cargo xtask ci`: exactly what CI runs.

use crate::{has_program, python, run_cmd};

pub fn run(tests_only: bool) -> anyhow::Result<()> {
    python::ensure_tools(&["moto", "flask", "boto3"])?;
    if !tests_only {
        run_cmd("cargo", &["fmt", "--all", "--", "--check"])?;
        // Same feature set as the tests (--all-targets), so nothing compiles twice.
        run_cmd(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )?;
    }
    if has_program("cargo-nextest", "--version") || has_program("cargo", "nextest") {
        run_cmd(
            "cargo",
            &["nextest", "run", "--workspace", "--no-fail-fast"],
        )?;
    } else {
        run_cmd("cargo", &["test", "--workspace", "--no-fail-fast"])?;
    }
    eprintln!("\nci: all checks passed");
    Ok(())
}
