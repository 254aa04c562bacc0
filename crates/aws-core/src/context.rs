//! Everything a command needs, resolved once per process.

use crate::cli::GlobalArgs;
use crate::config::{EnvironmentConfig, ProjectConfig};
use crate::error::Result;
use crate::settings::AwsSettings;

#[derive(Debug, Clone)]
pub struct Context {
    pub args: GlobalArgs,
    pub project: Option<ProjectConfig>,
    /// The selected environment's name and settings, if any.
    pub environment: Option<(String, EnvironmentConfig)>,
    pub settings: AwsSettings,
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
        })
    }

    pub fn environment_config(&self) -> Option<&EnvironmentConfig> {
        self.environment.as_ref().map(|(_, e)| e)
    }

    /// The environment's Terraform root (terraform_dir, relative to fargate.toml).
    pub fn terraform_dir(&self) -> Option<std::path::PathBuf> {
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
        crate::terraform::outputs(&self.terraform_dir()?)
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

    /// Build the shared SdkConfig (call once; clients clone cheaply from it).
    #[cfg(feature = "sdk")]
    pub async fn sdk_config(&self) -> Result<aws_config::SdkConfig> {
        crate::sdk::load(&self.settings).await
    }

    pub fn output(&self) -> crate::output::Output {
        crate::output::Output::new(self.args.output, self.args.quiet)
    }
}
