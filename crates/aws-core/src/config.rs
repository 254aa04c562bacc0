//! The project file `fargate.toml`: per-environment settings shared by all tools.
//!
//! Found by walking up from the current directory (or given with `--config` /
//! `FARGATE_CONFIG`). Schema: docs/architecture/configuration.md.
//! Precedence everywhere: command-line flag > environment variable > this file > default.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "fargate.toml";

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// Project name, used for tags and default name prefixes.
    #[serde(default)]
    pub project: Option<String>,
    /// Environment used when `--environment` is not given.
    #[serde(default)]
    pub default_environment: Option<String>,
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentConfig>,
    /// Where the file was read from (not part of the schema).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// Prefix of resource names, e.g. `fft-dev`.
    pub name_prefix: Option<String>,
    pub cluster: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    /// Terraform root module of this environment, relative to the config file.
    pub terraform_dir: Option<PathBuf>,
    /// SSM path holding this environment's parameters (default:
    /// [`DEFAULT_PARAMETER_PREFIX`]`/<environment>`; `Context::parameter_path` applies
    /// the precedence).
    pub parameter_path: Option<String>,
    /// Monthly budget in USD.
    pub budget: Option<f64>,
    /// Monthly spend cap in USD: `deploy` sets the root's `spend_cap_usd` variable to it
    /// (the cost guard stops the environment past it; `deploy --cap` overrides).
    pub spend_cap: Option<f64>,
    /// S3 bucket of the environment's Terraform state, when its backend block leaves
    /// `bucket` out (default: the `state_bucket` output of terraform/global).
    pub state_bucket: Option<String>,
    /// Destructive or scale-to-zero actions on this environment ask first (or need
    /// `--yes`), in every tool.
    #[serde(default)]
    pub protected: bool,
    /// ECR repository of the environment's app image, e.g. `fft/app` (default: the
    /// `ecr_repository_url` output of its Terraform root). Terraform creates it.
    pub ecr_repository: Option<String>,
    /// Tagged images a repository created by `push-to-ecr --create-repo` keeps
    /// (its lifecycle policy; modules/ecr's `keep_images` for Terraform's).
    pub ecr_keep_images: Option<u32>,
}

/// The largest spend cap accepted (the Terraform module's validation holds the same).
pub const MAX_SPEND_CAP_USD: f64 = 1_000_000.0;

/// Where an environment's parameters live when fargate.toml does not say: the same
/// default as `parameter_path_prefix` of `terraform/global`, whose IAM policies let
/// the environment's tasks read exactly that path (a test holds the two equal).
pub const DEFAULT_PARAMETER_PREFIX: &str = "/app";

/// The default SSM path of an environment's parameters: `/app/<environment>`.
pub fn default_parameter_path(name: &str) -> String {
    format!("{DEFAULT_PARAMETER_PREFIX}/{name}")
}

impl ProjectConfig {
    pub fn parse(text: &str, source: &Path) -> Result<Self> {
        let mut cfg: ProjectConfig = toml::from_str(text).map_err(|e| {
            Error::Config(format!(
                "{}: {}",
                source.display(),
                e.to_string().trim_end()
            ))
        })?;
        cfg.source = Some(source.to_path_buf());
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<()> {
        let src = self
            .source
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| FILE_NAME.into());
        if let Some(d) = &self.default_environment
            && !self.environments.contains_key(d)
        {
            return Err(Error::Config(format!(
                "{src}: default_environment = \"{d}\" but there is no [environments.{d}] table"
            )));
        }
        for (name, env) in &self.environments {
            if let Some(b) = env.budget
                && !(b.is_finite() && b >= 0.0)
            {
                return Err(Error::Config(format!(
                    "{src}: environments.{name}.budget must be a non-negative number of USD, got {b}"
                )));
            }
            if let Some(c) = env.spend_cap
                && !(c.is_finite() && c > 0.0 && c < MAX_SPEND_CAP_USD)
            {
                return Err(Error::Config(format!(
                    "{src}: environments.{name}.spend_cap must be a positive number of USD below {MAX_SPEND_CAP_USD}, got {c} \
                     (to have no cap, leave it out and set spend_cap_usd = null in the Terraform variables)"
                )));
            }
            if let Some(k) = env.ecr_keep_images
                && !(1..=1000).contains(&k)
            {
                return Err(Error::Config(format!(
                    "{src}: environments.{name}.ecr_keep_images must be between 1 and 1000, got {k}"
                )));
            }
            if let Some(p) = &env.parameter_path
                && !p.starts_with('/')
            {
                return Err(Error::Config(format!(
                    "{src}: environments.{name}.parameter_path must start with '/', got \"{p}\""
                )));
            }
        }
        Ok(())
    }

    /// Load from an explicit path, or search upwards from `start`. No file is fine.
    ///
    /// A file found by walking up is only trusted when the current user owns it and
    /// nobody else can write to it (like git's `safe.directory`): a `fargate.toml`
    /// planted in a shared parent directory could otherwise point the tools at
    /// another account, endpoint or profile. An untrusted file is ignored with a warning.
    pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Option<Self>> {
        let path = match explicit {
            Some(p) => {
                if !p.is_file() {
                    return Err(Error::Config(format!(
                        "config file {} does not exist or is not a regular file",
                        p.display()
                    )));
                }
                p.to_path_buf()
            }
            None => {
                let Some(p) = find_upwards(start) else {
                    return Ok(None);
                };
                if let Some(why) = untrusted(&p) {
                    tracing::warn!(
                        "ignoring {}: {why}; fix its owner or mode, or pass it with --config",
                        p.display()
                    );
                    return Ok(None);
                }
                p
            }
        };
        let text = read_capped(&path)?;
        Self::parse(&text, &path).map(Some)
    }

    /// The environment named on the command line, or the default one.
    pub fn environment(&self, name: Option<&str>) -> Result<Option<(String, &EnvironmentConfig)>> {
        let Some(name) = name.or(self.default_environment.as_deref()) else {
            return Ok(None);
        };
        match self.environments.get(name) {
            Some(env) => Ok(Some((name.to_string(), env))),
            None => {
                let known: Vec<&str> = self.environments.keys().map(String::as_str).collect();
                Err(Error::Config(format!(
                    "environment \"{name}\" is not defined in {}; defined: {}",
                    self.source
                        .as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| FILE_NAME.into()),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )))
            }
        }
    }

    /// Directory of the config file, to resolve relative paths in it.
    pub fn base_dir(&self) -> Option<&Path> {
        self.source.as_deref().and_then(Path::parent)
    }
}

/// fargate.toml is a few hundred bytes; anything over this is not one.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

fn read_capped(path: &Path) -> Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let mut text = String::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(Error::Config(format!(
            "{} is larger than {} KiB; it is not a fargate.toml",
            path.display(),
            MAX_CONFIG_BYTES / 1024
        )));
    }
    Ok(text)
}

/// Why a discovered config file must not be trusted, if it must not.
fn untrusted(path: &Path) -> Option<String> {
    crate::fs::untrusted(path)
}

fn find_upwards(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
project = "fargate-free-tier"
default_environment = "dev"

[environments.dev]
region = "us-east-1"
name_prefix = "fft-dev"
cluster = "fft-dev"
services = ["app-service"]
terraform_dir = "terraform/environments/dev"
parameter_path = "/app/dev"
budget = 10
"#;

    #[test]
    fn parses_sample_and_defaults_environment() {
        let cfg = ProjectConfig::parse(SAMPLE, Path::new("fargate.toml")).expect("parse");
        let (name, env) = cfg.environment(None).expect("ok").expect("some");
        assert_eq!(name, "dev");
        assert_eq!(env.region.as_deref(), Some("us-east-1"));
        assert_eq!(env.budget, Some(10.0));
        assert_eq!(env.services, vec!["app-service".to_string()]);
    }

    #[test]
    fn unknown_environment_lists_known_ones() {
        let cfg = ProjectConfig::parse(SAMPLE, Path::new("fargate.toml")).expect("parse");
        let err = cfg.environment(Some("prod")).expect_err("unknown");
        assert!(err.to_string().contains("defined: dev"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected_with_location() {
        let err = ProjectConfig::parse("[environments.dev]\nregoin = \"x\"\n", Path::new("f.toml"))
            .expect_err("typo");
        let msg = err.to_string();
        assert!(msg.contains("f.toml") && msg.contains("regoin"), "{msg}");
    }

    #[test]
    fn spend_caps_are_positive_amounts() {
        for bad in ["0", "-1", "nan", "inf", "1e9"] {
            let text = format!("[environments.dev]\nspend_cap = {bad}\n");
            let err = ProjectConfig::parse(&text, Path::new("f.toml")).expect_err(bad);
            assert!(err.to_string().contains("spend_cap"), "{bad}: {err}");
        }
        let cfg = ProjectConfig::parse("[environments.dev]\nspend_cap = 20\n", Path::new("f.toml"))
            .expect("ok");
        assert_eq!(cfg.environments["dev"].spend_cap, Some(20.0));
    }

    #[test]
    fn negative_budget_rejected() {
        let err = ProjectConfig::parse("[environments.dev]\nbudget = -1\n", Path::new("f.toml"))
            .expect_err("negative");
        assert!(err.to_string().contains("budget"));
    }

    #[cfg(unix)]
    #[test]
    fn writable_by_others_is_ignored_when_found_by_walking_up() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(FILE_NAME);
        std::fs::write(&file, SAMPLE).expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        assert_eq!(ProjectConfig::load(None, dir.path()).expect("load"), None);
        // Named explicitly, the user vouches for it.
        assert!(
            ProjectConfig::load(Some(&file), dir.path())
                .expect("load")
                .is_some()
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(
            ProjectConfig::load(None, dir.path())
                .expect("load")
                .is_some()
        );
    }

    #[test]
    fn a_directory_or_huge_file_is_not_a_config() {
        let dir = tempfile::tempdir().expect("tempdir");
        let e = ProjectConfig::load(Some(dir.path()), dir.path()).expect_err("dir");
        assert_eq!(e.exit_code(), crate::ExitCode::Config);
        let big = dir.path().join("big.toml");
        std::fs::write(&big, "#".repeat(2 * 1024 * 1024)).expect("write");
        assert!(ProjectConfig::load(Some(&big), dir.path()).is_err());
    }

    #[test]
    fn found_by_walking_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(FILE_NAME), SAMPLE).expect("write");
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).expect("mkdir");
        let cfg = ProjectConfig::load(None, &nested)
            .expect("load")
            .expect("found");
        assert_eq!(cfg.default_environment.as_deref(), Some("dev"));
    }
}
