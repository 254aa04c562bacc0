//! AWS settings after precedence (flag > env > fargate.toml > default) was applied.

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}
