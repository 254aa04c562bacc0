//! Everything a command needs, resolved once per process.

use crate::cli::GlobalArgs;
use crate::config::{EnvironmentConfig, ProjectConfig};
use crate::error::Result;
use crate::settings::AwsSettings;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// `terraform output -json` of each root read so far, by directory.
type OutputMemo =
    std::collections::HashMap<PathBuf, Option<serde_json::Map<String, serde_json::Value>>>;

#[derive(Debug, Clone)]
pub struct Context {
    pub args: GlobalArgs,
    pub project: Option<ProjectConfig>,
    /// The selected environment's name and settings, if any.
    pub environment: Option<(String, EnvironmentConfig)>,
    pub settings: AwsSettings,
    /// Clones share it: the process's one session, built on first use.
    #[cfg(feature = "sdk")]
    session: Arc<tokio::sync::OnceCell<crate::session::Session>>,
    /// Clones share it: each Terraform root's outputs are read once per process.
    outputs: Arc<Mutex<OutputMemo>>,
}

impl Context {
    /// Read fargate.toml and apply precedence; makes no AWS call. `-o markdown` is
    /// refused: only reports (estimate-costs) have a Markdown form.
    pub fn resolve(args: &GlobalArgs) -> Result<Self> {
        if args.output == crate::output::OutputFormat::Markdown {
            return Err(crate::Error::invalid(
                "-o markdown is for reports (estimate-costs); use -o table or -o json",
            ));
        }
        Self::resolve_report(args)
    }

    /// [`Context::resolve`] for a tool that can also render Markdown.
    pub fn resolve_report(args: &GlobalArgs) -> Result<Self> {
        let cwd = std::env::current_dir().map_err(|e| crate::Error::io("current directory", e))?;
        let project = ProjectConfig::load(args.config.as_deref(), &cwd)?;
        let environment = match &project {
            Some(p) => p
                .environment(args.environment.as_deref())?
                .map(|(n, e)| (n, e.clone())),
            None => None,
        };
        let env_cfg = environment.as_ref().map(|(_, e)| e);
        let settings = AwsSettings {
            profile: args
                .profile
                .clone()
                .or_else(|| env_cfg.and_then(|e| e.profile.clone())),
            region: args
                .region
                .clone()
                .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
                .or_else(|| env_cfg.and_then(|e| e.region.clone())),
            endpoint_url: args.endpoint_url.clone(),
        };
        Ok(Context {
            args: args.clone(),
            project,
            environment,
            settings,
            #[cfg(feature = "sdk")]
            session: Arc::default(),
            outputs: Arc::default(),
        })
    }

    pub fn environment_config(&self) -> Option<&EnvironmentConfig> {
        self.environment.as_ref().map(|(_, e)| e)
    }

    /// The environment's Terraform root (terraform_dir, relative to fargate.toml).
    pub fn terraform_dir(&self) -> Option<PathBuf> {
        let dir = self.environment_config()?.terraform_dir.clone()?;
        let base = self
            .project
            .as_ref()
            .and_then(|p| p.base_dir())
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        Some(base.join(dir))
    }

    /// Terraform outputs of the environment, when its root is initialised.
    pub fn terraform_outputs(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        self.outputs_of(&self.terraform_dir()?)
    }

    /// `terraform output` of the root `dir`, read once per process (every tool and
    /// library asking for a name gets the same answer, and Terraform runs once).
    pub fn outputs_of(&self, dir: &Path) -> Option<serde_json::Map<String, serde_json::Value>> {
        let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut memo = self.outputs.lock().unwrap_or_else(|p| p.into_inner());
        memo.entry(key)
            .or_insert_with(|| crate::terraform::outputs(dir, &self.terraform_env()))
            .clone()
    }

    /// What Terraform needs beyond this process's environment: the profile and the
    /// endpoint given on the command line or in fargate.toml (the rest of the AWS
    /// settings it reads from the environment, as the SDK does).
    pub fn terraform_env(&self) -> Vec<(String, String)> {
        let mut env = Vec::new();
        if let Some(p) = &self.settings.profile {
            env.push(("AWS_PROFILE".into(), p.clone()));
        }
        if let Some(u) = &self.settings.endpoint_url {
            env.push(("AWS_ENDPOINT_URL".into(), u.clone()));
        }
        env
    }

    /// Forget the outputs read so far: after this process applied a plan, the next
    /// read must see what the apply wrote.
    pub fn forget_outputs(&self) {
        self.outputs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// The SSM path of the selected environment's parameters: `parameter_path` in
    /// fargate.toml, else the `parameter_path` output of its initialised Terraform
    /// root, else `/app/<environment>` (the default terraform/global grants).
    pub fn parameter_path(&self) -> Option<String> {
        let (name, env) = self.environment.as_ref()?;
        if let Some(p) = &env.parameter_path {
            return Some(p.clone());
        }
        let from_terraform = self.terraform_outputs().and_then(|o| {
            o.get("parameter_path")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
        Some(from_terraform.unwrap_or_else(|| crate::config::default_parameter_path(name)))
    }

    /// The one confirmation rule of every tool: an action that destroys something or
    /// stops the service (scale to zero, delete a schedule) on an environment marked
    /// `protected = true` in fargate.toml asks first, and without a terminal needs
    /// `--yes`. Elsewhere it just runs.
    pub fn confirm_protected(&self, action: &str, assume_yes: bool) -> Result<()> {
        match &self.environment {
            Some((name, env)) if env.protected => crate::prompt::confirm(
                &format!("{action} on the protected environment {name}"),
                assume_yes,
            ),
            _ => Ok(()),
        }
    }

    pub fn environment_name(&self) -> Option<&str> {
        self.environment.as_ref().map(|(n, _)| n.as_str())
    }

    /// The process's one AWS session, built on first use (preflight checks, then
    /// the SDK configuration); every later call, from any clone, gets the same one.
    #[cfg(feature = "sdk")]
    pub async fn session(&self) -> Result<&crate::session::Session> {
        self.session
            .get_or_try_init(|| crate::session::Session::load(&self.settings))
            .await
    }

    pub fn output(&self) -> crate::output::Output {
        crate::output::Output::new(self.args.output, self.args.quiet)
    }
}
