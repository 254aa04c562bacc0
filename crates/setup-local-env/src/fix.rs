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
    let text = existing.unwrap_or_else(|| {
        "# Project settings (docs/architecture/configuration.md), written by setup-local-env.\n"
            .to_string()
    });
    let cfg = ProjectConfig::parse(&text, path)?;
    let current = cfg.environments.get(env);
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
            (Some(w), None) => add.push((key, w)),
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
    // A format-preserving edit (comments, order, CRLF line ends stay), of the table
    // itself, wherever and however it is written.
    let edited = edit(&text, env, &add, new_file).map_err(|e| {
        Error::Config(format!(
            "{}: --fix cannot edit it ({e}); add {} by hand",
            path.display(),
            add.iter()
                .map(|(k, v)| format!("{k} = \"{v}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    // The result must still be a valid project file that says what was asked, before
    // it replaces the old one.
    let check = ProjectConfig::parse(&edited, path)?;
    let now = check.environments.get(env);
    for (key, want) in &add {
        let got = match *key {
            "region" => now.and_then(|c| c.region.as_deref()),
            _ => now.and_then(|c| c.profile.as_deref()),
        };
        if got != Some(*want) {
            return Err(Error::Config(format!(
                "{}: the edit did not set {key} of [environments.{env}]; add it by hand",
                path.display()
            )));
        }
    }
    // Through a symlink to the file it names, keeping the file's mode.
    aws_core::fs::write_atomic(
        path,
        edited.as_bytes(),
        "fargate.toml",
        aws_core::fs::Perm::Keep,
        aws_core::fs::Special::Refuse,
    )?;
    let mut detail = format!(
        "added {}",
        add.iter()
            .map(|(k, v)| format!("{k} = \"{v}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !notes.is_empty() {
        detail.push_str(&format!("; {}", notes.join("; ")));
    }
    Ok(Fixed {
        what,
        outcome: "changed",
        detail,
    })
}

/// `text` with `keys` set in `[environments.<env>]` (the table is made when missing).
fn edit(
    text: &str,
    env: &str,
    keys: &[(&str, &str)],
    new_file: bool,
) -> std::result::Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    if new_file {
        doc["default_environment"] = toml_edit::value(env);
    }
    let envs = doc
        .entry("environments")
        .or_insert_with(|| {
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_like_mut()
        .ok_or("environments is not a table")?;
    let table = envs
        .entry(env)
        .or_insert(toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| format!("environments.{env} is not a table"))?;
    for (k, v) in keys {
        table.insert(k, toml_edit::value(*v));
    }
    let out = doc.to_string();
    // Lines this edit added end like the file's own lines.
    if text.contains("\r\n") {
        Ok(out.replace("\r\n", "\n").replace('\n', "\r\n"))
    } else {
        Ok(out)
    }
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

/// The Terraform CLI configuration that makes a plain `terraform init` install
/// hashicorp/aws from `mirror` (other providers still come from the registry). Written
/// only when there is none: an existing one is the user's, and the lines to add are
/// printed instead.
pub fn terraformrc(config: &Path, mirror: &Path) -> Fixed {
    let what = format!("Terraform CLI configuration {}", config.display());
    let block = format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n",
        mirror.display()
    );
    let printable = mirror
        .to_str()
        .is_some_and(|m| !m.chars().any(|c| c == '"' || c == '\\' || c.is_control()));
    if !printable {
        return Fixed {
            what,
            outcome: "manual",
            detail: format!(
                "the mirror path {mirror:?} cannot be written as an HCL string as it is"
            ),
        };
    }
    if std::fs::symlink_metadata(config).is_ok() {
        return Fixed {
            what,
            outcome: "manual",
            detail: format!(
                "it exists and is yours: add a filesystem_mirror of {} to its provider_installation block",
                mirror.display()
            ),
        };
    }
    let header = "# Written by setup-local-env --fix: hashicorp/aws from the local mirror, the rest\n# from the registry.\n";
    match aws_core::fs::write_atomic(
        config,
        format!("{header}{block}").as_bytes(),
        "the Terraform CLI configuration",
        aws_core::fs::Perm::Keep,
        aws_core::fs::Special::Refuse,
    ) {
        Ok(()) => Fixed {
            what,
            outcome: "changed",
            detail: format!(
                "hashicorp/aws from {}: a plain terraform init works offline",
                mirror.display()
            ),
        },
        Err(e) => Fixed {
            what,
            outcome: "manual",
            detail: format!("cannot write it ({e}); its content:\n{block}"),
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

    /// Red team round 3, item 14: on a CRLF file the key went into another table.
    #[test]
    fn a_crlf_file_gets_the_key_in_the_right_table() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("fargate.toml");
        let mut text = "#\r\n".repeat(31);
        text.push_str("project = \"fft\"\r\n[environments.global]\r\nname_prefix = \"fft-global\"\r\ncluster = \"c\"\r\n\r\n[environments.dev]\r\nname_prefix = \"fft-dev\"\r\n");
        std::fs::write(&p, &text).unwrap();
        let f = fargate_toml(&p, "dev", Some("eu-west-1"), None).unwrap();
        assert_eq!(f.outcome, "changed");
        let after = std::fs::read_to_string(&p).unwrap();
        let cfg = ProjectConfig::parse(&after, &p).unwrap();
        assert_eq!(cfg.environments["dev"].region.as_deref(), Some("eu-west-1"));
        assert_eq!(cfg.environments["global"].region, None);
        assert!(
            !after.replace("\r\n", "").contains('\n'),
            "CRLF kept: {after:?}"
        );
    }

    /// Item 15: a symlinked file is edited through the link, and keeps its mode.
    #[cfg(unix)]
    #[test]
    fn a_symlink_stays_a_link_and_a_private_file_stays_private() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("shared")).unwrap();
        let real = d.path().join("shared/fargate.toml");
        std::fs::write(&real, "[environments.dev]\nname_prefix = \"fft-dev\"\n").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = d.path().join("fargate.toml");
        std::os::unix::fs::symlink("shared/fargate.toml", &link).unwrap();
        fargate_toml(&link, "dev", Some("eu-west-1"), None).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::read_to_string(&real)
                .unwrap()
                .contains("eu-west-1")
        );
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
