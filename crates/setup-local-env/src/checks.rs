//! The probes. Each looks at one thing and says what it found, whether the chosen
//! workflow needs it, and the command that fixes it. None installs anything.

use crate::version;
use serde::Serialize;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// moto's first version with ECR layer uploads and what the Terraform apply test calls.
pub const MOTO_MIN: [u64; 3] = [5, 2, 5];
/// A tool that does not answer `--version` within this long counts as broken.
const PROBE_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    /// Present but with a caveat, or absent and optional.
    Warn,
    Missing,
    /// Not looked at: the workflow does not use it.
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Workflow {
    /// Deploying to an AWS account.
    Aws,
    /// `cargo xtask deploy --emulator`: moto and an offline provider mirror.
    Emulator,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub status: Status,
    /// The workflow fails without it.
    pub required: bool,
    pub found: Option<String>,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    pub fn blocks(&self) -> bool {
        self.required && self.status == Status::Missing
    }
}

/// Run `program args` with a deadline; `(exit ok, stdout + stderr)`, or `None` when it
/// cannot be started or does not finish.
pub fn probe(program: &str, args: &[&str]) -> Option<(bool, String)> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let deadline = Instant::now() + PROBE_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut text = String::new();
                if let Some(mut o) = child.stdout.take() {
                    let _ = o.by_ref().take(1 << 20).read_to_string(&mut text);
                }
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.by_ref().take(1 << 20).read_to_string(&mut text);
                }
                return Some((status.success(), text));
            }
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

pub fn terraform() -> Check {
    let (min_a, min_b) = aws_core::terraform::MIN_VERSION;
    let install = "install it: https://developer.hashicorp.com/terraform/install (or `apt-get install terraform` from HashiCorp's apt repository)";
    match aws_core::terraform::installed_version() {
        Ok(v) => match aws_core::terraform::check_version(&v) {
            Ok(()) => Check {
                name: "terraform",
                status: Status::Ok,
                required: true,
                found: Some(v),
                detail: format!(
                    ">= {min_a}.{min_b}: the state backend's S3 native locking needs it"
                ),
                fix: None,
            },
            Err(_) => Check {
                name: "terraform",
                status: Status::Missing,
                required: true,
                found: Some(v.clone()),
                detail: format!(
                    "{v} is older than {min_a}.{min_b}: the state backend's S3 native locking (use_lockfile) needs {min_a}.{min_b}"
                ),
                fix: Some(format!(
                    "upgrade Terraform to >= {min_a}.{min_b}: {install}"
                )),
            },
        },
        Err(_) => Check {
            name: "terraform",
            status: Status::Missing,
            required: true,
            found: None,
            detail: "not on PATH".into(),
            fix: Some(install.into()),
        },
    }
}

/// The Terraform CLI configuration a plain `terraform` reads: TF_CLI_CONFIG_FILE, else
/// ~/.terraformrc.
pub fn cli_config_path() -> Option<PathBuf> {
    std::env::var_os("TF_CLI_CONFIG_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".terraformrc")))
}

/// The `path = "..."` entries of the CLI configuration (its filesystem mirrors).
fn configured_mirrors() -> Vec<PathBuf> {
    let Some(text) = cli_config_path().and_then(|c| std::fs::read_to_string(c).ok()) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("path")?;
            let (_, v) = rest.split_once('=')?;
            Some(PathBuf::from(v.trim().trim_matches('"')))
        })
        .collect()
}

/// Directories Terraform searches without any configuration (its implied local
/// mirrors, https://developer.hashicorp.com/terraform/cli/config/config-file#implied-local-mirror-directories).
fn implied_mirrors() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(h) = std::env::var_os("HOME").map(PathBuf::from) {
        dirs.push(h.join(".terraform.d/plugins"));
        dirs.push(h.join(".local/share/terraform/plugins"));
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        dirs.push(PathBuf::from(d).join("terraform/plugins"));
    }
    dirs.push(PathBuf::from("/usr/local/share/terraform/plugins"));
    dirs.push(PathBuf::from("/usr/share/terraform/plugins"));
    dirs
}

/// A filesystem mirror holding hashicorp/aws.
pub struct Mirror {
    pub dir: PathBuf,
    pub version: String,
    /// A plain `terraform init` uses it (configured, or an implied directory).
    pub used: bool,
}

/// The first mirror of hashicorp/aws among TF_PROVIDER_MIRROR, the CLI configuration's
/// mirrors, the machine image's /opt/tf-plugins and the implied directories.
pub fn mirror() -> Option<Mirror> {
    let configured = configured_mirrors();
    let implied = implied_mirrors();
    let mut candidates: Vec<PathBuf> = std::env::var_os("TF_PROVIDER_MIRROR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .collect();
    candidates.extend(configured.iter().cloned());
    candidates.push(PathBuf::from("/opt/tf-plugins"));
    candidates.extend(implied.iter().cloned());
    candidates.into_iter().find_map(|dir| {
        let version = provider_versions(&dir).pop()?;
        let used = configured.contains(&dir) || implied.contains(&dir);
        Some(Mirror { dir, version, used })
    })
}

/// Versions of hashicorp/aws in a mirror directory (`registry.terraform.io/hashicorp/aws/<version>/`).
fn provider_versions(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir.join("registry.terraform.io/hashicorp/aws")) else {
        return Vec::new();
    };
    let mut v: Vec<String> = rd
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".zip") || n.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|n| n.trim_end_matches(".zip").to_string())
        .collect();
    v.sort();
    v
}

pub fn provider(workflow: Workflow) -> Check {
    if let Some(m) = mirror() {
        let found = Some(format!(
            "hashicorp/aws {} in {}",
            m.version,
            m.dir.display()
        ));
        return if m.used {
            Check {
                name: "aws provider",
                status: Status::Ok,
                required: workflow == Workflow::Emulator,
                found,
                detail: "a filesystem mirror the Terraform CLI configuration uses: terraform init works offline".into(),
                fix: None,
            }
        } else {
            Check {
                name: "aws provider",
                status: Status::Warn,
                required: workflow == Workflow::Emulator,
                found,
                detail: "a filesystem mirror, but a plain `terraform init` does not look there (cargo xtask uses its own configuration)".into(),
                fix: Some("setup-local-env --fix writes ~/.terraformrc with it as a filesystem_mirror".into()),
            }
        };
    }
    let fix = "on a machine with network: `terraform providers mirror DIR` in a root of terraform/, \
               then TF_PROVIDER_MIRROR=DIR (cargo xtask writes the CLI configuration)";
    match workflow {
        Workflow::Emulator => Check {
            name: "aws provider",
            status: Status::Missing,
            required: true,
            found: None,
            detail: "no filesystem mirror of hashicorp/aws: the emulator path runs offline".into(),
            fix: Some(fix.into()),
        },
        Workflow::Aws => Check {
            name: "aws provider",
            status: Status::Warn,
            required: false,
            found: None,
            detail: "no local mirror: `terraform init` downloads hashicorp/aws from registry.terraform.io (network needed)".into(),
            fix: Some(fix.into()),
        },
    }
}

pub fn aws_cli() -> Check {
    let install = "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html";
    match probe("aws", &["--version"]) {
        Some((true, text)) => {
            let v = version::find(&text);
            let shown = v
                .as_deref()
                .map(version::show)
                .unwrap_or_else(|| text.trim().to_string());
            if v.as_ref().is_some_and(|v| v.first() == Some(&1)) {
                Check {
                    name: "aws cli",
                    status: Status::Warn,
                    required: false,
                    found: Some(shown),
                    detail: "version 1: `aws sso login` (SSO profiles) needs version 2; the tools themselves do not need the CLI".into(),
                    fix: Some(format!("install AWS CLI v2: {install}")),
                }
            } else {
                Check {
                    name: "aws cli",
                    status: Status::Ok,
                    required: false,
                    found: Some(shown),
                    detail: "version 2: `aws sso login` works".into(),
                    fix: None,
                }
            }
        }
        _ => Check {
            name: "aws cli",
            status: Status::Warn,
            required: false,
            found: None,
            detail: "not on PATH: only needed for `aws sso login` and `aws configure sso`".into(),
            fix: Some(format!("install AWS CLI v2: {install}")),
        },
    }
}

pub fn region(region: Option<&str>, workflow: Workflow) -> Check {
    match region {
        Some(r) => Check {
            name: "region",
            status: Status::Ok,
            required: workflow == Workflow::Aws,
            found: Some(r.to_string()),
            detail: "from --region, AWS_REGION / AWS_DEFAULT_REGION or fargate.toml".into(),
            fix: None,
        },
        None => Check {
            name: "region",
            status: if workflow == Workflow::Aws { Status::Missing } else { Status::Skipped },
            required: workflow == Workflow::Aws,
            found: None,
            detail: "no region configured".into(),
            fix: Some("setup-local-env --fix --region us-east-1 (writes it to fargate.toml), or export AWS_REGION".into()),
        },
    }
}

/// The outcome of `sts:GetCallerIdentity` as a check.
pub fn credentials(
    result: Result<(String, String), aws_core::Error>,
    profile: Option<&str>,
) -> Check {
    let login = match profile {
        Some(p) => format!("aws sso login --profile {p}"),
        None => "aws sso login --profile NAME (or export AWS_PROFILE)".into(),
    };
    match result {
        Ok((account, arn)) => Check {
            name: "credentials",
            status: Status::Ok,
            required: true,
            found: Some(format!("account {account}")),
            detail: arn,
            fix: None,
        },
        Err(e) => {
            let fix = match &e {
                aws_core::Error::ExpiredSession { .. } => login,
                aws_core::Error::NoCredentials { .. } => {
                    "aws configure sso (then --profile NAME or AWS_PROFILE), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into()
                }
                aws_core::Error::Config(_) | aws_core::Error::Invalid(_) => {
                    "correct the setting named above".into()
                }
                _ => "check the credentials and the network, then run again".into(),
            };
            Check {
                name: "credentials",
                status: Status::Missing,
                required: true,
                found: None,
                detail: aws_core::output::message(&e),
                fix: Some(fix),
            }
        }
    }
}

pub fn skipped(name: &'static str, why: &str) -> Check {
    Check {
        name,
        status: Status::Skipped,
        required: false,
        found: None,
        detail: why.into(),
        fix: None,
    }
}

pub fn container_tool() -> Check {
    for tool in ["docker", "podman"] {
        if let Some((true, text)) = probe(tool, &["--version"]) {
            let v = version::find(&text)
                .map(|v| version::show(&v))
                .unwrap_or_default();
            return Check {
                name: "docker/podman",
                status: Status::Ok,
                required: false,
                found: Some(format!("{tool} {v}").trim().to_string()),
                detail: "used by push-to-ecr --build and --image (a daemon is needed for those)"
                    .into(),
                fix: None,
            };
        }
    }
    Check {
        name: "docker/podman",
        status: Status::Warn,
        required: false,
        found: None,
        detail:
            "neither on PATH: only push-to-ecr --build/--image need one; --archive works without"
                .into(),
        fix: Some("https://docs.docker.com/engine/install/ (or `apt-get install podman`)".into()),
    }
}

/// The interpreter with moto: the project's virtualenv when it exists, else python3.
pub fn moto(root: Option<&Path>, workflow: Workflow) -> Check {
    let venv = root.map(|r| r.join("target/test-venv/bin/python"));
    let python = venv
        .as_ref()
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "python3".into());
    let required = workflow == Workflow::Emulator;
    let fix = Some(
        "setup-local-env --fix --emulator (creates target/test-venv from requirements-dev.txt)"
            .to_string(),
    );
    let Some((ok, text)) = probe(&python, &["-c", "import moto; print(moto.__version__)"]) else {
        return Check {
            name: "python + moto",
            status: if required {
                Status::Missing
            } else {
                Status::Warn
            },
            required,
            found: None,
            detail: format!("{python} is not on PATH: the local emulator needs Python 3 with moto"),
            fix: Some("install Python 3 (`apt-get install python3 python3-venv`)".into()),
        };
    };
    let v = if ok { version::find(&text) } else { None };
    match v {
        Some(v) if version::at_least(&v, &MOTO_MIN) => Check {
            name: "python + moto",
            status: Status::Ok,
            required,
            found: Some(format!("moto {} ({python})", version::show(&v))),
            detail: "the local AWS emulator".into(),
            fix: None,
        },
        other => Check {
            name: "python + moto",
            status: if required {
                Status::Missing
            } else {
                Status::Warn
            },
            required,
            found: other.map(|v| format!("moto {}", version::show(&v))),
            detail: format!(
                "the emulator needs moto >= {} ({python})",
                version::show(&MOTO_MIN)
            ),
            fix,
        },
    }
}

/// The repository's git hooks (pre-commit and commit-msg), when this is a git work tree.
pub fn git_hooks(root: Option<&Path>) -> Check {
    let Some(root) = root.filter(|r| r.join(".pre-commit-config.yaml").is_file()) else {
        return skipped("git hooks", "not in a checkout of this repository");
    };
    let hooks_path = probe(
        "git",
        &[
            "-C",
            &root.display().to_string(),
            "rev-parse",
            "--git-path",
            "hooks",
        ],
    )
    .filter(|(ok, _)| *ok)
    .map(|(_, t)| {
        let p = PathBuf::from(t.trim());
        if p.is_absolute() { p } else { root.join(p) }
    });
    let installed = hooks_path
        .as_ref()
        .is_some_and(|h| h.join("pre-commit").is_file() && h.join("commit-msg").is_file());
    if installed {
        Check {
            name: "git hooks",
            status: Status::Ok,
            required: false,
            found: hooks_path.map(|h| h.display().to_string()),
            detail: "pre-commit and commit-msg hooks installed".into(),
            fix: None,
        }
    } else {
        Check {
            name: "git hooks",
            status: Status::Warn,
            required: false,
            found: None,
            detail: "the repository's pre-commit hooks are not installed".into(),
            fix: Some("setup-local-env --fix (runs `pre-commit install --hook-type pre-commit --hook-type commit-msg`)".into()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn provider_versions_are_read_from_a_mirror_layout() {
        let d = tempfile::tempdir().unwrap();
        let aws = d.path().join("registry.terraform.io/hashicorp/aws");
        std::fs::create_dir_all(aws.join("5.100.0")).unwrap();
        std::fs::write(aws.join("6.0.0.zip"), b"").unwrap();
        assert_eq!(
            provider_versions(d.path()),
            vec!["5.100.0".to_string(), "6.0.0".into()]
        );
        assert!(provider_versions(&d.path().join("none")).is_empty());
    }

    #[test]
    fn a_probe_of_nothing_is_none() {
        assert!(probe("/nonexistent/tool", &["--version"]).is_none());
    }
}
