//! `cargo xtask ci`: exactly what CI runs.

use crate::{has_program, python, run_cmd};

pub fn run(tests_only: bool) -> anyhow::Result<()> {
    python::ensure_tools()?;
    if !tests_only {
        run_cmd("cargo", &["fmt", "--all", "--", "--check"])?;
        crate::tidy::run()?;
        terraform_checks()?;
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

/// Formatting, `terraform validate` of every root with the real provider, security
/// scan and Dockerfile lint.
fn terraform_checks() -> anyhow::Result<()> {
    anyhow::ensure!(
        has_program("terraform", "version"),
        "terraform is not installed: install Terraform >= 1.11 (https://developer.hashicorp.com/terraform/install)"
    );
    run_cmd(
        "terraform",
        &["fmt", "-check", "-recursive", "-diff", "terraform"],
    )?;
    crate::terraform::validate_roots()?;
    let venv = python::scan_tools()?;
    let bin = |name: &str| venv.join("bin").join(name).display().to_string();
    run_cmd(
        &bin("checkov"),
        &[
            "-d",
            "terraform",
            "--framework",
            "terraform",
            "--compact",
            "--quiet",
            "--skip-download",
        ],
    )?;
    run_cmd(&bin("hadolint"), &["docker/Dockerfile"])?;
    Ok(())
}
