//! The names every tool acts on, resolved in one place with one precedence:
//! a flag, else the environment's key in fargate.toml, else an output of its
//! initialised Terraform root (read once per process, [`Context::outputs_of`]).
//! Each answer keeps where it came from, so a message can say why a name was used.

use crate::context::Context;
use std::fmt;

/// Where a resolved name came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, e.g. `--cluster`.
    Flag(&'static str),
    /// A key of the selected environment in fargate.toml.
    Config {
        environment: String,
        key: &'static str,
    },
    /// An output of the environment's Terraform root.
    Terraform { output: &'static str },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "{flag}"),
            Source::Config { environment, key } => {
                write!(f, "`{key}` of environment {environment} in fargate.toml")
            }
            Source::Terraform { output } => write!(f, "the {output} output of terraform_dir"),
        }
    }
}

/// A name and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub value: String,
    pub source: Source,
}

impl Named {
    /// Whether the project (fargate.toml or Terraform) names it, not the user's flag.
    pub fn from_project(&self) -> bool {
        !matches!(self.source, Source::Flag(_))
    }
}

impl Context {
    /// flag > fargate.toml key > Terraform output (mapped), in that order.
    fn resolve_name(
        &self,
        flag: (Option<&str>, &'static str),
        config: (Option<&String>, &'static str),
        output: (&'static str, fn(&str) -> Option<String>),
    ) -> Option<Named> {
        if let Some(v) = flag.0 {
            return Some(Named {
                value: v.to_string(),
                source: Source::Flag(flag.1),
            });
        }
        if let (Some(v), Some(env)) = (config.0, self.environment_name()) {
            return Some(Named {
                value: v.clone(),
                source: Source::Config {
                    environment: env.to_string(),
                    key: config.1,
                },
            });
        }
        let value = self
            .terraform_outputs()?
            .get(output.0)?
            .as_str()
            .and_then(output.1)?;
        Some(Named {
            value,
            source: Source::Terraform { output: output.0 },
        })
    }

    /// The ECS cluster: `--cluster`, `cluster`, the `cluster_name` output.
    pub fn cluster(&self, flag: Option<&str>) -> Option<Named> {
        let env = self.environment_config();
        self.resolve_name(
            (flag, "--cluster"),
            (env.and_then(|e| e.cluster.as_ref()), "cluster"),
            ("cluster_name", |v| Some(v.to_string())),
        )
    }

    /// The ECR repository: `--repository`, `ecr_repository`, the path of the
    /// `ecr_repository_url` output.
    pub fn repository(&self, flag: Option<&str>) -> Option<Named> {
        let env = self.environment_config();
        self.resolve_name(
            (flag, "--repository"),
            (
                env.and_then(|e| e.ecr_repository.as_ref()),
                "ecr_repository",
            ),
            ("ecr_repository_url", |u| {
                u.split_once('/').map(|(_, r)| r.to_string())
            }),
        )
    }

    /// The environment's VPC: `--vpc-id`, else the `vpc_id` output.
    pub fn vpc_id(&self, flag: Option<&str>) -> Option<Named> {
        self.resolve_name(
            (flag, "--vpc-id"),
            (None, "vpc_id"),
            ("vpc_id", |v| Some(v.to_string())),
        )
    }

    /// The app's public URL: the `app_url` output.
    pub fn app_url(&self) -> Option<Named> {
        self.resolve_name(
            (None, "--health-url"),
            (None, "app_url"),
            ("app_url", |v| Some(v.trim_end_matches('/').to_string())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_read_as_a_person_would_say_them() {
        assert_eq!(Source::Flag("--cluster").to_string(), "--cluster");
        assert_eq!(
            Source::Config {
                environment: "dev".into(),
                key: "cluster"
            }
            .to_string(),
            "`cluster` of environment dev in fargate.toml"
        );
        assert_eq!(
            Source::Terraform { output: "vpc_id" }.to_string(),
            "the vpc_id output of terraform_dir"
        );
    }
}
