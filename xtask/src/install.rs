//! `cargo xtask install [--root DIR] [--debug | --dist]`: every tool of the one tool list
//! (`completions::TOOLS`, plus the documented aliases) built in one `cargo build` (each
//! shared crate compiled once) and copied into DIR/bin, default `~/.cargo/bin` (on PATH
//! after rustup's installer), each file replaced atomically.

use std::path::{Path, PathBuf};

/// Which profile the tools are built with (Cargo.toml says why each exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Unoptimised, for trying the tools out.
    Debug,
    /// What every xtask command shares: quick to build.
    Release,
    /// What a GitHub release ships: optimised everywhere, thin LTO.
    Dist,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
            Profile::Dist => "dist",
        }
    }
}

pub fn run(root: Option<PathBuf>, profile: Profile) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    match profile {
        Profile::Release => build_release()?,
        Profile::Debug => build_debug()?,
        Profile::Dist => crate::run_cmd(
            "cargo",
            &[
                "build",
                "--profile",
                "dist",
                "--locked",
                "--workspace",
                "--bins",
            ],
        )?,
    }
    copy_built(root, profile, started)
}

/// CI's install check: the binaries the test run has just built and tested, copied
/// as `run` copies them. Building them again with `-p` would compile the whole SDK
/// stack a second time (the tests' dev-dependencies unify other features), about 3 GB
/// of disk a CI machine may not have.
pub fn copy_tested(root: PathBuf) -> anyhow::Result<()> {
    copy_built(Some(root), Profile::Debug, std::time::Instant::now())
}

/// The one release build of the workspace's binaries: `cargo xtask install`, `bench`
/// and `corpus` all run exactly this, and so does a plain `cargo build --release
/// --workspace --bins`: one package selection means one feature set, so switching
/// between them rebuilds nothing.
pub const RELEASE_BUILD: [&str; 6] = [
    "build",
    "--release",
    "--locked",
    "--workspace",
    "--bins",
    "--quiet",
];

pub fn build_release() -> anyhow::Result<()> {
    crate::run_cmd("cargo", &RELEASE_BUILD)
}

/// The dev-profile build of the workspace's binaries (`install --debug`, `deploy`).
pub fn build_debug() -> anyhow::Result<()> {
    crate::run_cmd(
        "cargo",
        &["build", "--locked", "--workspace", "--bins", "--quiet"],
    )
}

fn copy_built(
    root: Option<PathBuf>,
    profile: Profile,
    started: std::time::Instant,
) -> anyhow::Result<()> {
    let root = match root {
        Some(r) => r,
        None => default_root()?,
    };
    let bin_dir = root.join("bin");
    std::fs::create_dir_all(&bin_dir)?;
    let built = crate::workspace_root().join("target").join(profile.dir());
    let names = crate::completions::TOOLS
        .iter()
        .map(|(t, _)| *t)
        .chain(crate::tidy::ALIASES.iter().map(|(a, _)| *a));
    let mut installed = 0;
    for name in names {
        install_one(&built.join(name), &bin_dir.join(name))?;
        installed += 1;
    }
    eprintln!(
        "installed {installed} tools into {} in {:.0}s{}",
        bin_dir.display(),
        started.elapsed().as_secs_f64(),
        if path_has(&bin_dir) {
            String::new()
        } else {
            format!(
                "; add it to PATH: export PATH=\"{}:$PATH\"",
                bin_dir.display()
            )
        }
    );
    Ok(())
}

fn default_root() -> anyhow::Result<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Ok(PathBuf::from(home));
    }
    let home = std::env::var_os("HOME")
        .ok_or_else(|| anyhow::anyhow!("no HOME and no CARGO_HOME: pass --root DIR"))?;
    Ok(PathBuf::from(home).join(".cargo"))
}

/// Copy beside the target, then rename over it: a running copy keeps its file, and an
/// interrupted install never leaves half a binary.
fn install_one(from: &Path, to: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(from.is_file(), "{} was not built", from.display());
    let tmp = to.with_extension("installing");
    std::fs::copy(from, &tmp)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
    }
    std::fs::rename(&tmp, to)?;
    Ok(())
}

fn path_has(dir: &Path) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d == dir))
}
