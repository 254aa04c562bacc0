//! What belongs to this project and environment. Everything outside it is left alone.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The scope a search (and a plan's re-check) works in. Written into the plan file,
/// so `--apply --plan-in` re-checks with the scope the dry run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    pub environment: String,
    /// Every tag must match (the stack's `default_tags`: project and environment).
    pub tags: BTreeMap<String, String>,
    /// Task definition families `{name_prefix}-*`, log groups `/ecs/{name_prefix}/*`.
    pub name_prefix: String,
    pub cluster: Option<String>,
    /// The project's VPC (Fargate's network interfaces carry no tags).
    pub vpc_id: Option<String>,
    pub ecr_repository: Option<String>,
    /// The environment's services: its task definition families are exactly
    /// `{name_prefix}-{service}` (terraform/modules/ecs-service). Empty: unknown, and
    /// every `{name_prefix}-*` family not of another environment is in scope.
    #[serde(default)]
    pub services: Vec<String>,
    /// Name prefixes of the project's other environments that extend this one's
    /// (`fft-dev-eu` extends `fft-dev`): their families are never this scope's.
    #[serde(default)]
    pub other_prefixes: Vec<String>,
    pub rules: Rules,
}

/// The thresholds of "unused", each a flag with a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// Task definition revisions kept per family, newest first (in-use and rollback
    /// revisions are kept on top of these).
    pub keep_revisions: u32,
    /// Tagged ECR images kept, newest first (as the repository's lifecycle rule).
    pub keep_images: u32,
    /// Manual snapshots younger than this are not old.
    pub snapshot_min_age_days: u32,
    /// The retention offered to log groups that keep logs forever.
    pub retention_days: u32,
}

impl Scope {
    /// Whether a resource's tags put it in scope: all scope tags present and equal.
    pub fn owns(&self, tags: &BTreeMap<String, String>) -> bool {
        !self.tags.is_empty() && self.tags.iter().all(|(k, v)| tags.get(k) == Some(v))
    }

    /// The tags as `k=v, k=v` for people.
    pub fn tags_text(&self) -> String {
        self.tags
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The prefix to list families with; [`Scope::owns_family`] decides membership.
    pub fn family_prefix(&self) -> String {
        format!("{}-", self.name_prefix)
    }

    /// Whether a task definition family is this environment's: exactly one of its
    /// services' families when they are known, else `{name_prefix}-*` minus the
    /// families of environments whose prefix extends this one's.
    pub fn owns_family(&self, family: &str) -> bool {
        if !self.services.is_empty() {
            return self
                .services
                .iter()
                .any(|s| family == format!("{}-{s}", self.name_prefix));
        }
        family.starts_with(&self.family_prefix())
            && !self
                .other_prefixes
                .iter()
                .any(|o| family.starts_with(&format!("{o}-")))
    }

    pub fn log_group_prefix(&self) -> String {
        format!("/ecs/{}/", self.name_prefix)
    }
}

/// The project tag the stack's Terraform derives its names from: `name_prefix` is
/// `"${project}-${environment}"` (terraform/environments/dev/main.tf), so the project is
/// what precedes `-{environment}`. `None` when the prefix does not follow that rule.
pub fn project_from_prefix(name_prefix: &str, environment: &str) -> Option<String> {
    name_prefix
        .strip_suffix(environment)
        .and_then(|p| p.strip_suffix('-'))
        .filter(|p| !p.is_empty())
        .map(str::to_string)
}

/// Parse `KEY=VALUE` of `--tag`.
pub fn parse_tag(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && !k.chars().any(char::is_control) => {
            Ok((k.to_string(), v.to_string()))
        }
        _ => Err(format!("{s:?}: a tag is KEY=VALUE with a non-empty key")),
    }
}

/// The scope the unit tests share: project fft, environment dev, VPC vpc-1, keep 2
/// revisions and 1 image.
#[cfg(test)]
pub(crate) fn test_scope() -> Scope {
    Scope {
        environment: "dev".into(),
        tags: [("project", "fft"), ("environment", "dev")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
        name_prefix: "fft-dev".into(),
        cluster: Some("fft-dev".into()),
        vpc_id: Some("vpc-1".into()),
        ecr_repository: Some("fft/app".into()),
        services: Vec::new(),
        other_prefixes: vec!["fft-dev-eu".into()],
        rules: Rules {
            keep_revisions: 2,
            keep_images: 1,
            snapshot_min_age_days: 30,
            retention_days: 30,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        test_scope()
    }

    #[test]
    fn every_scope_tag_must_match_and_no_tags_owns_nothing() {
        let s = scope();
        let mut tags: BTreeMap<String, String> = s.tags.clone();
        assert!(s.owns(&tags));
        tags.insert("extra".into(), "x".into());
        assert!(s.owns(&tags));
        tags.insert("environment".into(), "prod".into());
        assert!(!s.owns(&tags));
        assert!(!s.owns(&BTreeMap::new()));
        let empty = Scope {
            tags: BTreeMap::new(),
            ..scope()
        };
        assert!(!empty.owns(&tags), "an empty scope must not own everything");
    }

    #[test]
    fn the_project_comes_from_the_name_prefix_rule() {
        assert_eq!(
            project_from_prefix("fft-dev", "dev").as_deref(),
            Some("fft")
        );
        assert_eq!(
            project_from_prefix("my-app-dev", "dev").as_deref(),
            Some("my-app")
        );
        assert_eq!(project_from_prefix("dev", "dev"), None);
        assert_eq!(project_from_prefix("fftdev", "dev"), None);
        assert_eq!(project_from_prefix("fft-prod", "dev"), None);
    }

    #[test]
    fn families_of_an_environment_whose_prefix_extends_this_one_are_not_owned() {
        let s = scope();
        assert!(s.owns_family("fft-dev-app-service"));
        assert!(!s.owns_family("fft-dev-eu-app-service"));
        assert!(!s.owns_family("fft-dev2-app-service"));
        let exact = Scope {
            services: vec!["app-service".into()],
            ..scope()
        };
        assert!(exact.owns_family("fft-dev-app-service"));
        assert!(!exact.owns_family("fft-dev-app-service-old"));
        assert!(!exact.owns_family("fft-dev-worker"));
    }

    #[test]
    fn tags_are_key_value() {
        assert_eq!(parse_tag("a=b=c").expect("ok"), ("a".into(), "b=c".into()));
        assert_eq!(parse_tag("a=").expect("ok"), ("a".into(), String::new()));
        assert!(parse_tag("=b").is_err());
        assert!(parse_tag("ab").is_err());
        assert!(parse_tag("a\r=b").is_err());
    }
}
