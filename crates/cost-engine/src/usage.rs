//! Usage assumptions (what the Terraform cannot say: traffic, log volume, stored
//! GB), from `data/usage.toml` and the user's `--usage-file`. Every value used is
//! printed as an assumption.

use serde::Deserialize;
use std::collections::BTreeMap;

pub const DEFAULTS: &str = include_str!("../data/usage.toml");

/// The usage file an environment keeps beside its Terraform (`<terraform_dir>/usage.toml`):
/// `estimate-costs --environment` and `deploy` read it when no `--usage-file` is given,
/// so the estimate and the deploy gate price the same usage.
pub const ENVIRONMENT_FILE: &str = "usage.toml";

/// `<dir>/usage.toml` when it is a regular file (a directory or device there is not one).
pub fn environment_file(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let p = dir.join(ENVIRONMENT_FILE);
    std::fs::metadata(&p)
        .is_ok_and(|m| m.is_file())
        .then_some(p)
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UsageFile {
    pub alb_lcu: Option<f64>,
    pub log_ingest_gb: Option<f64>,
    pub log_archive_ratio: Option<f64>,
    pub ecr_storage_gb: Option<f64>,
    pub s3_storage_gb: Option<f64>,
    pub nat_processed_gb: Option<f64>,
    pub endpoint_processed_gb: Option<f64>,
    pub dynamodb_storage_gb: Option<f64>,
    pub data_transfer_out_gb: Option<f64>,
    pub container_insights_metrics: Option<f64>,
    pub default_desired_count: Option<f64>,
    pub nlb_lcu: Option<f64>,
    pub http_api_requests_million: Option<f64>,
    pub cloudmap_discovery_calls_million: Option<f64>,
    pub lambda_requests_million: Option<f64>,
    pub lambda_duration_ms: Option<f64>,
    pub rest_api_requests_million: Option<f64>,
    #[serde(default)]
    pub resources: BTreeMap<String, BTreeMap<String, f64>>,
}

#[derive(Debug, thiserror::Error)]
#[error("usage file {origin}: {message}")]
pub struct UsageError {
    pub origin: String,
    pub message: String,
}

impl UsageFile {
    /// Every global figure by its key (one list, so no key escapes the checks).
    fn fields(&self) -> [(&'static str, Option<f64>); 17] {
        [
            ("alb_lcu", self.alb_lcu),
            ("log_ingest_gb", self.log_ingest_gb),
            ("log_archive_ratio", self.log_archive_ratio),
            ("ecr_storage_gb", self.ecr_storage_gb),
            ("s3_storage_gb", self.s3_storage_gb),
            ("nat_processed_gb", self.nat_processed_gb),
            ("endpoint_processed_gb", self.endpoint_processed_gb),
            ("dynamodb_storage_gb", self.dynamodb_storage_gb),
            ("data_transfer_out_gb", self.data_transfer_out_gb),
            (
                "container_insights_metrics",
                self.container_insights_metrics,
            ),
            ("default_desired_count", self.default_desired_count),
            ("nlb_lcu", self.nlb_lcu),
            ("http_api_requests_million", self.http_api_requests_million),
            (
                "cloudmap_discovery_calls_million",
                self.cloudmap_discovery_calls_million,
            ),
            ("lambda_requests_million", self.lambda_requests_million),
            ("lambda_duration_ms", self.lambda_duration_ms),
            ("rest_api_requests_million", self.rest_api_requests_million),
        ]
    }
}

/// Defaults overlaid with the user's file.
#[derive(Debug, Clone)]
pub struct Usage {
    defaults: UsageFile,
    user: UsageFile,
}

impl Usage {
    pub fn new(user: Option<(&str, &str)>) -> Result<Usage, UsageError> {
        let parse = |text: &str, origin: &str| -> Result<UsageFile, UsageError> {
            let f: UsageFile = toml::from_str(text).map_err(|e| UsageError {
                origin: origin.into(),
                message: e.to_string(),
            })?;
            let negative = f
                .resources
                .iter()
                .flat_map(|(a, m)| m.iter().map(move |(k, v)| (format!("{a}.{k}"), *v)))
                .chain(
                    f.fields()
                        .into_iter()
                        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v))),
                )
                .find(|(_, v)| !(v.is_finite() && *v >= 0.0));
            if let Some((k, v)) = negative {
                return Err(UsageError {
                    origin: origin.into(),
                    message: format!("{k} = {v}: usage must be a non-negative number"),
                });
            }
            Ok(f)
        };
        Ok(Usage {
            defaults: parse(DEFAULTS, "builtin")?,
            user: match user {
                Some((text, origin)) => parse(text, origin)?,
                None => UsageFile::default(),
            },
        })
    }

    /// A usage figure for a resource: the user's per-address override, then the
    /// builtin per-address figure (a fact about one resource of the shipped stack, such
    /// as the spend cap's function running once a month, outranks a global traffic
    /// assumption), then the user's global value, then the default.
    pub fn get(&self, address: &str, key: &str) -> f64 {
        for file in [&self.user, &self.defaults] {
            if let Some(v) = file.resources.get(address).and_then(|m| m.get(key)) {
                return *v;
            }
        }
        let pick = |f: &UsageFile| {
            f.fields()
                .into_iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v)
        };
        pick(&self.user)
            .or_else(|| pick(&self.defaults))
            .unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_values_and_overrides_win() {
        let u = Usage::new(Some((
            "alb_lcu = 2.0\n[resources.\"aws_lb.x\"]\nalb_lcu = 5.0\n",
            "u.toml",
        )))
        .expect("valid");
        assert_eq!(u.get("aws_lb.x", "alb_lcu"), 5.0);
        assert_eq!(u.get("aws_lb.y", "alb_lcu"), 2.0);
        assert_eq!(u.get("aws_lb.y", "log_ingest_gb"), 0.5);
    }

    #[test]
    fn bad_files_name_the_problem() {
        let e = Usage::new(Some(("alb_lcuu = 1\n", "u.toml"))).expect_err("typo");
        assert!(e.to_string().contains("alb_lcuu"), "{e}");
        let e = Usage::new(Some(("alb_lcu = -1.0\n", "u.toml"))).expect_err("negative");
        assert!(e.to_string().contains("non-negative"), "{e}");
    }
}
