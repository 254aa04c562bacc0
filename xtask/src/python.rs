//! Python test tools (moto, boto3, ...) from requirements-dev.txt, and the emulator.

use crate::run_cmd;
use anyhow::Context;

/// Install requirements-dev.txt when a module it provides is missing.
pub fn ensure_tools(modules: &[&str]) -> anyhow::Result<()> {
    let py = test_support::python();
    let probe = format!("import {}", modules.join(", "));
    let ok = std::process::Command::new(&py)
        .args(["-c", &probe])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Ok(());
    }
    eprintln!(
        "Python modules missing ({}): installing requirements-dev.txt",
        modules.join(", ")
    );
    run_cmd(
        &py,
        &["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements-dev.txt"],
    )
    .context("installing the Python test tools; on a machine without pip run: python3 -m pip install -r requirements-dev.txt")
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
    run_cmd(&test_support::python(), &["-m", "venv", &venv_s])?;
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

/// `cargo xtask emulator`: moto in the foreground until Ctrl-C.
pub fn emulator(port: u16) -> anyhow::Result<()> {
    ensure_tools(&["moto", "flask"])?;
    let endpoint = format!("http://127.0.0.1:{port}");
    println!("# moto's AWS emulator on {endpoint}; in another shell:");
    println!("export AWS_ENDPOINT_URL={endpoint}");
    println!("export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1");
    println!("export AWS_EC2_METADATA_DISABLED=true");
    println!("# then e.g.: cargo run -q -p parameter-store -- list /");
    println!("# Ctrl-C stops it; state lives in memory only.");
    let status = std::process::Command::new(test_support::python())
        .args([
            "-m",
            "moto.server",
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
