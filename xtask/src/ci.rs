//! `cargo xtask ci`: exactly what CI runs.

use crate::{has_program, python, run_cmd};

pub fn run(tests_only: bool) -> anyhow::Result<()> {
    disk_report("before");
    python::ensure_tools()?;
    system_tools()?;
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
    if !tests_only {
        // The documented install's copy step (README), on the binaries just tested:
        // every tool lands in DIR/bin and runs.
        let dir = crate::workspace_root().join("target/install-check");
        crate::install::copy_tested(dir.clone())?;
        for (tool, _) in crate::completions::TOOLS {
            run_cmd(
                &dir.join("bin").join(tool).display().to_string(),
                &["--version"],
            )?;
        }
    }
    disk_report("after");
    eprintln!("\nci: all checks passed");
    Ok(())
}

/// The build needs about 7 GB under target/; a CI machine has run out of disk before,
/// so the log says how much there was.
fn disk_report(when: &str) {
    let target = crate::workspace_root().join("target");
    let _ = std::fs::create_dir_all(&target);
    eprintln!("\n$ df -h target   # {when} the checks");
    let _ = std::process::Command::new("df")
        .arg("-h")
        .arg(&target)
        .status();
}

/// Debian packages the tests run as peers: a real OCI registry (distribution 2.8)
/// and skopeo (push-to-ecr's tests read back what it pushed with them).
pub const DEBIAN_TEST_PACKAGES: [(&str, &str); 2] = [
    ("docker-registry", "/usr/bin/docker-registry"),
    ("skopeo", "/usr/bin/skopeo"),
];

fn system_tools() -> anyhow::Result<()> {
    let missing: Vec<&str> = DEBIAN_TEST_PACKAGES
        .iter()
        .filter(|(_, bin)| !std::path::Path::new(bin).exists())
        .map(|(pkg, _)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false);
    anyhow::ensure!(
        root,
        "the tests need {}: run `sudo apt-get install -y {}`",
        missing.join(" and "),
        missing.join(" ")
    );
    run_cmd("apt-get", &["update", "-q"])?;
    eprintln!("\n$ apt-get install -y {}", missing.join(" "));
    let status = std::process::Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()?;
    anyhow::ensure!(
        status.success(),
        "apt-get install {} failed ({status})",
        missing.join(" ")
    );
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
    run_cmd(&bin("zizmor"), &["--offline", ".github/workflows"])?;
    pre_commit(&venv)
}

/// The hooks of .pre-commit-config.yaml on every file, with the tools of the scan
/// virtualenv on PATH. The hooks `ci` has just run itself are skipped.
fn pre_commit(venv: &std::path::Path) -> anyhow::Result<()> {
    let path = format!(
        "{}:{}",
        venv.join("bin").canonicalize()?.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    eprintln!("\n$ pre-commit run --all-files");
    let status = std::process::Command::new(venv.join("bin/pre-commit"))
        .args(["run", "--all-files", "--show-diff-on-failure"])
        .env("PATH", path)
        .env(
            "SKIP",
            "cargo-fmt,terraform-fmt,terraform-validate,xtask-tidy",
        )
        // Its own cache under target/, not the user's home.
        .env(
            "PRE_COMMIT_HOME",
            std::path::Path::new("target/pre-commit")
                .canonicalize()
                .unwrap_or_else(|_| "target/pre-commit".into()),
        )
        .status()?;
    anyhow::ensure!(status.success(), "pre-commit hooks failed ({status})");
    Ok(())
}
