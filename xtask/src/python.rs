//! Python test tools (moto, boto3, ...) from requirements-dev.txt, and the emulator.

use crate::run_cmd;
use anyhow::Context;

/// The test tools (moto's server, boto3) in their own virtualenv, target/test-venv,
/// created or refreshed when requirements-dev.txt changes; `test_support::python()`
/// uses it from then on.
pub fn ensure_tools() -> anyhow::Result<std::path::PathBuf> {
    venv("target/test-venv", "requirements-dev.txt")
        .context("installing the Python test tools (requirements-dev.txt) into target/test-venv")
}

/// The scanners' own virtualenv (target/tools-venv), created on first use.
pub fn scan_tools() -> anyhow::Result<std::path::PathBuf> {
    venv("target/tools-venv", "requirements-scan.txt")
}

/// A virtualenv at `dir` with `requirements` installed; reinstalled when the file changes.
pub fn venv(dir: &str, requirements: &str) -> anyhow::Result<std::path::PathBuf> {
    let venv = std::path::PathBuf::from(dir);
    let marker = venv.join(".requirements.txt");
    let wanted = std::fs::read_to_string(requirements)?;
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(venv);
    }
    let venv_s = venv.display().to_string();
    // Always from the system interpreter (MOTO_BASE_PYTHON to choose another), never
    // from a virtualenv being replaced.
    let base = std::env::var("MOTO_BASE_PYTHON").unwrap_or_else(|_| "python3".into());
    if venv.exists() {
        std::fs::remove_dir_all(&venv)?;
    }
    run_cmd(&base, &["-m", "venv", &venv_s])?;
    let pip = venv.join("bin/pip").display().to_string();
    run_cmd(
        &pip,
        &[
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            requirements,
        ],
    )
    .with_context(|| format!("installing {requirements} into {dir}"))?;
    std::fs::write(&marker, wanted)?;
    Ok(venv)
}

/// `cargo xtask emulator`: moto in the foreground until Ctrl-C, and a project in
/// `target/emulator/` that `deploy` can apply to it by hand: the emulator copy of
/// terraform/ (docs/architecture/emulator.md), fargate.toml, and a Terraform CLI
/// configuration that installs the provider from the local mirror (offline).
pub fn emulator(port: u16) -> anyhow::Result<()> {
    ensure_tools()?;
    let endpoint = format!("http://127.0.0.1:{port}");
    let work = std::env::current_dir()?.join("target/emulator");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    println!("# moto's AWS emulator on {endpoint}; in another shell:");
    println!("export AWS_ENDPOINT_URL={endpoint}");
    println!("export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1");
    println!("export AWS_EC2_METADATA_DISABLED=true");
    match test_support::terraform::walkthrough(&work) {
        Ok((project, cli_config)) => {
            println!("export TF_CLI_CONFIG_FILE={}", cli_config.display());
            println!(
                "cd {}   # terraform/ with the emulator's overrides, fargate.toml, {}",
                project.display(),
                test_support::terraform::SAMPLE_IMAGE
            );
            println!("# then follow docs/getting-started.md, step 3");
        }
        Err(e) => println!("# Terraform cannot run offline here: {e}"),
    }
    println!("# Ctrl-C stops it; state lives in memory only.");
    let status = std::process::Command::new(test_support::python())
        .args([
            test_support::MOTO_SHIM,
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .status()?;
    anyhow::ensure!(
        status.success() || status.code().is_none(),
        "moto exited with {status}"
    );
    Ok(())
}
