//! Where the image comes from when it is not an archive already: a local Docker or
//! Podman daemon (`save`), or a build with docker, podman or buildah, whichever is on
//! PATH. Each ends as an archive file read by [`crate::archive`]; no daemon is needed
//! for anything after that.

use aws_core::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The first of `names` on PATH.
pub fn find_tool(names: &[&'static str]) -> Option<(&'static str, PathBuf)> {
    let path = std::env::var_os("PATH")?;
    for name in names {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some((name, p));
            }
        }
    }
    None
}

fn run(tool: &Path, args: &[&str], what: &str) -> Result<()> {
    tracing::info!("running {} {}", tool.display(), args.join(" "));
    let status = Command::new(tool)
        .args(args)
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| Error::Io {
            context: format!("running {}", tool.display()),
            source: e,
        })?;
    if !status.success() {
        return Err(Error::Failed(format!(
            "{what} failed: `{} {}` exited with {status}",
            tool.display(),
            args.join(" ")
        )));
    }
    Ok(())
}

/// `docker save` (or podman's) of `image` into `dest`.
pub fn save(image: &str, dest: &Path) -> Result<&'static str> {
    let (name, tool) = find_tool(&["docker", "podman"]).ok_or_else(|| {
        Error::Config(
            "--image needs docker or podman on PATH to read the image from; without a daemon, \
             pass an archive: --archive FILE (from `docker save -o FILE IMAGE` elsewhere)"
                .into(),
        )
    })?;
    let dest = dest.to_string_lossy();
    run(
        &tool,
        &["save", "-o", &dest, image],
        &format!("{name} save"),
    )?;
    Ok(name)
}

/// The git commit of `dir` when its working tree is clean (a dirty tree's image is
/// not that commit, so it gets no commit tag).
pub fn clean_commit(dir: &Path) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()?;
    if !out.status.success() || !out.stdout.is_empty() {
        return None;
    }
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    let sha = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && sha.len() >= 12 && sha.bytes().all(|b| b.is_ascii_hexdigit()))
        .then_some(sha)
}

/// Build `context` with docker, podman or buildah (the first on PATH), labelled with
/// the commit, and save the result into `dest`.
pub fn build(context: &Path, commit: Option<&str>, dest: &Path) -> Result<&'static str> {
    let (name, tool) = find_tool(&["docker", "podman", "buildah"]).ok_or_else(|| {
        Error::Config(
            "--build needs docker, podman or buildah on PATH (install one: \
             https://docs.docker.com/engine/install/ or `apt-get install podman`), \
             or pass an image built elsewhere: --archive FILE"
                .into(),
        )
    })?;
    let local = format!("push-to-ecr-build:{}", std::process::id());
    let label = format!(
        "org.opencontainers.image.revision={}",
        commit.unwrap_or("unknown")
    );
    let ctx = context.to_string_lossy();
    let dest_s = dest.to_string_lossy();
    if name == "buildah" {
        run(
            &tool,
            &["bud", "-t", &local, "--label", &label, &ctx],
            "buildah bud",
        )?;
        run(
            &tool,
            &["push", &local, &format!("docker-archive:{dest_s}")],
            "buildah push",
        )?;
    } else {
        run(
            &tool,
            &["build", "-t", &local, "--label", &label, &ctx],
            &format!("{name} build"),
        )?;
        run(
            &tool,
            &["save", "-o", &dest_s, &local],
            &format!("{name} save"),
        )?;
    }
    Ok(name)
}
