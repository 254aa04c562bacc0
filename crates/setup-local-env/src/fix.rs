//! `--fix`: only what is safe and local. fargate.toml gains the profile and region it
//! lacks (never overwriting a value it has), the repository's git hooks are installed,
//! the project's Python virtualenv for the emulator is created. Each is idempotent.

use aws_core::config::ProjectConfig;
use aws_core::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Fixed {
    pub what: String,
    /// `changed`, `unchanged`, or `manual` (the command is printed, not run).
    pub outcome: &'static str,
    pub detail: String,
}

fn valid_profile(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= 128
        && p.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@' | b'+' | b'=')
        })
}

/// Add `region` / `profile` to `[environments.<env>]` of the file at `path` (created
/// when missing). A key already set is left alone, and reported when it differs.
pub fn fargate_toml(
    path: &Path,
    env: &str,
    region: Option<&str>,
    profile: Option<&str>,
) -> Result<Fixed> {
    if let Some(r) = region {
        aws_core::preflight::check_region(r, "--region")?;
    }
    if let Some(p) = profile
        && !valid_profile(p)
    {
        return Err(Error::Invalid(format!(
            "--profile {p:?} is not a profile name"
        )));
    }
    if !env
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        || env.is_empty()
    {
        return Err(Error::Invalid(format!(
            "environment {env:?} is not a valid name"
        )));
    }
    let what = format!("{} [environments.{env}]", path.display());
    let existing = match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Some(
            std::fs::read_to_string(path).map_err(|e| Error::io(path.display().to_string(), e))?,
        ),
        Ok(_) => {
            return Err(Error::Invalid(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
        Err(_) => None,
    };
    let new_file = existing.is_none();
    let mut text = existing.unwrap_or_else(|| {
        "# Project settings (docs/architecture/configuration.md), written by setup-local-env.\n"
            .to_string()
    });
    let cfg = ProjectConfig::parse(&text, path)?;
    let current = cfg.environments.get(env);
    let header = format!("[environments.{env}]");
    let mut add = Vec::new();
    let mut notes = Vec::new();
    for (key, want, have) in [
        ("region", region, current.and_then(|c| c.region.as_deref())),
        (
            "profile",
            profile,
            current.and_then(|c| c.profile.as_deref()),
        ),
    ] {
        match (want, have) {
            (Some(w), None) => add.push(format!("{key} = \"{w}\"")),
            (Some(w), Some(h)) if w != h => notes.push(format!(
                "{key} stays \"{h}\" (not \"{w}\"): edit the file to change it"
            )),
            _ => {}
        }
    }
    if add.is_empty() {
        let detail = if notes.is_empty() {
            "already set".to_string()
        } else {
            notes.join("; ")
        };
        return Ok(Fixed {
            what,
            outcome: "unchanged",
            detail,
        });
    }
    let lines = add.join("\n");
    if current.is_some() {
        // Insert right after the table's header line.
        let at = text
            .lines()
            .scan(0usize, |pos, l| {
                let start = *pos;
                *pos += l.len() + 1;
                Some((start, l))
            })
            .find(|(_, l)| l.trim() == header)
            .map(|(start, l)| start + l.len() + 1)
            .ok_or_else(|| {
                Error::Config(format!(
                    "{}: {header} is written in a form --fix cannot edit; add {} by hand",
                    path.display(),
                    add.join(", ")
                ))
            })?;
        text.insert_str(at.min(text.len()), &format!("{lines}\n"));
    } else {
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("\n{header}\n{lines}\n"));
    }
    if new_file {
        text = text.replacen('\n', &format!("\ndefault_environment = \"{env}\"\n"), 1);
    }
    // The result must still be a valid project file before it replaces the old one.
    ProjectConfig::parse(&text, path)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".fargate.toml.{}.tmp", std::process::id()));
    std::fs::write(&tmp, &text).map_err(|e| Error::io(tmp.display().to_string(), e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path.display().to_string(), e))?;
    let mut detail = format!("added {}", add.join(", "));
    if !notes.is_empty() {
        detail.push_str(&format!("; {}", notes.join("; ")));
    }
    Ok(Fixed {
        what,
        outcome: "changed",
        detail,
    })
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// `pre-commit install` for both hook types, with the scan virtualenv's pre-commit or
/// the one on PATH.
pub fn hooks(root: &Path) -> Fixed {
    let what = "git hooks".to_string();
    let local = root.join("target/tools-venv/bin/pre-commit");
    let Some(pc) = local
        .is_file()
        .then_some(local)
        .or_else(|| on_path("pre-commit"))
    else {
        return Fixed {
            what,
            outcome: "manual",
            detail: "pre-commit is not installed: `pip install -r requirements-scan.txt` (or `cargo xtask ci`, \
                     which creates target/tools-venv), then `pre-commit install --hook-type pre-commit --hook-type commit-msg`"
                .into(),
        };
    };
    let out = Command::new(&pc)
        .args([
            "install",
            "--hook-type",
            "pre-commit",
            "--hook-type",
            "commit-msg",
        ])
        .current_dir(root)
        .output();
    match out {
        Ok(o) if o.status.success() => Fixed {
            what,
            outcome: "changed",
            detail: format!("{} install: pre-commit and commit-msg", pc.display()),
        },
        Ok(o) => Fixed {
            what,
            outcome: "manual",
            detail: format!(
                "`{} install` failed: {}",
                pc.display(),
                aws_core::output::escape_control(String::from_utf8_lossy(&o.stderr).trim())
            ),
        },
        Err(e) => Fixed {
            what,
            outcome: "manual",
            detail: format!("cannot run {}: {e}", pc.display()),
        },
    }
}

/// target/test-venv with requirements-dev.txt, as `cargo xtask ci` makes it (same
/// marker file, so xtask does not build it again).
pub fn venv(root: &Path) -> Fixed {
    let what = "python virtualenv target/test-venv".to_string();
    let req = root.join("requirements-dev.txt");
    let Ok(wanted) = std::fs::read_to_string(&req) else {
        return Fixed {
            what,
            outcome: "manual",
            detail: "requirements-dev.txt not found: run from a checkout of the repository".into(),
        };
    };
    let venv = root.join("target/test-venv");
    let marker = venv.join(".requirements.txt");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Fixed {
            what,
            outcome: "unchanged",
            detail: "up to date with requirements-dev.txt".into(),
        };
    }
    let base = std::env::var("MOTO_BASE_PYTHON").unwrap_or_else(|_| "python3".into());
    let manual = |why: String| Fixed {
        what: what.clone(),
        outcome: "manual",
        detail: format!(
            "{why}; run: {base} -m venv target/test-venv && target/test-venv/bin/pip install -r requirements-dev.txt"
        ),
    };
    let made = Command::new(&base).args(["-m", "venv"]).arg(&venv).output();
    match made {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return manual(format!(
                "`{base} -m venv` failed ({}; Debian needs python3-venv)",
                aws_core::output::escape_control(String::from_utf8_lossy(&o.stderr).trim())
            ));
        }
        Err(e) => return manual(format!("cannot run {base}: {e}")),
    }
    let pip = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "-r"])
        .arg(&req)
        .output();
    match pip {
        Ok(o) if o.status.success() => {
            let _ = std::fs::write(&marker, wanted);
            Fixed {
                what,
                outcome: "changed",
                detail: "created and installed requirements-dev.txt (moto, boto3)".into(),
            }
        }
        Ok(o) => manual(format!(
            "pip install failed: {}",
            aws_core::output::escape_control(String::from_utf8_lossy(&o.stderr).trim())
        )),
        Err(e) => manual(format!("cannot run pip: {e}")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fargate_toml_gains_missing_keys_once_and_keeps_set_ones() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("fargate.toml");
        let first = fargate_toml(&p, "dev", Some("eu-west-1"), Some("dev-sso")).unwrap();
        assert_eq!(first.outcome, "changed");
        let text = std::fs::read_to_string(&p).unwrap();
        let again = fargate_toml(&p, "dev", Some("eu-west-1"), Some("dev-sso")).unwrap();
        assert_eq!(again.outcome, "unchanged");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), text, "idempotent");
        let other = fargate_toml(&p, "dev", Some("us-east-1"), None).unwrap();
        assert_eq!(other.outcome, "unchanged");
        assert!(
            other.detail.contains("stays \"eu-west-1\""),
            "{}",
            other.detail
        );
        let cfg = ProjectConfig::parse(&std::fs::read_to_string(&p).unwrap(), &p).unwrap();
        assert_eq!(cfg.environments["dev"].region.as_deref(), Some("eu-west-1"));
        assert_eq!(cfg.environments["dev"].profile.as_deref(), Some("dev-sso"));
    }

    #[test]
    fn an_existing_table_is_extended_in_place_with_comments_kept() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("fargate.toml");
        std::fs::write(&p, "# mine\n[environments.dev]\ncluster = \"c\" # keep\n\n[environments.prod]\nregion = \"us-east-1\"\n").unwrap();
        fargate_toml(&p, "dev", Some("eu-central-1"), None).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("# mine") && text.contains("# keep"), "{text}");
        let cfg = ProjectConfig::parse(&text, &p).unwrap();
        assert_eq!(
            cfg.environments["dev"].region.as_deref(),
            Some("eu-central-1")
        );
        assert_eq!(
            cfg.environments["prod"].region.as_deref(),
            Some("us-east-1")
        );
    }

    #[test]
    fn hostile_values_are_refused_and_nothing_is_written() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("fargate.toml");
        assert!(fargate_toml(&p, "dev", Some("us-east-1\"\n[x]"), None).is_err());
        assert!(fargate_toml(&p, "dev", None, Some("a\"b")).is_err());
        assert!(fargate_toml(&p, "de v", Some("us-east-1"), None).is_err());
        assert!(!p.exists());
        assert!(
            fargate_toml(d.path(), "dev", Some("us-east-1"), None).is_err(),
            "a directory"
        );
    }
}
