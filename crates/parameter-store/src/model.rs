//! Parameter types, tiers and the record we keep of a parameter.

use serde::{Deserialize, Serialize};

/// What masked values look like everywhere.
pub const MASK: &str = "********";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
pub enum ParamType {
    #[value(name = "String")]
    String,
    #[value(name = "StringList")]
    StringList,
    #[value(name = "SecureString")]
    SecureString,
    /// A type this tool does not know (a newer SSM type, or none reported). Treated
    /// as a secret: masked, and rewritten as SecureString if ever written (fail closed).
    #[value(skip)]
    Unknown,
}

impl ParamType {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "String",
            ParamType::StringList => "StringList",
            ParamType::SecureString => "SecureString",
            ParamType::Unknown => "Unknown",
        }
    }

    /// Whether values of this type are secrets (masked unless revealed).
    pub fn is_secure(self) -> bool {
        matches!(self, ParamType::SecureString | ParamType::Unknown)
    }

    pub fn from_sdk(t: Option<&aws_sdk_ssm::types::ParameterType>) -> Self {
        use aws_sdk_ssm::types::ParameterType as P;
        match t {
            Some(P::SecureString) => ParamType::SecureString,
            Some(P::StringList) => ParamType::StringList,
            Some(P::String) => ParamType::String,
            _ => ParamType::Unknown,
        }
    }

    pub fn to_sdk(self) -> aws_sdk_ssm::types::ParameterType {
        use aws_sdk_ssm::types::ParameterType as P;
        match self {
            ParamType::String => P::String,
            ParamType::StringList => P::StringList,
            ParamType::SecureString | ParamType::Unknown => P::SecureString,
        }
    }
}

impl std::fmt::Display for ParamType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Free; values up to 4 KB; 10,000 parameters per account and region.
    #[default]
    Standard,
    /// $0.05 per parameter-month; values up to 8 KB.
    Advanced,
}

impl Tier {
    pub fn max_bytes(self) -> usize {
        match self {
            Tier::Standard => 4096,
            Tier::Advanced => 8192,
        }
    }

    pub fn to_sdk(self) -> aws_sdk_ssm::types::ParameterTier {
        match self {
            Tier::Standard => aws_sdk_ssm::types::ParameterTier::Standard,
            Tier::Advanced => aws_sdk_ssm::types::ParameterTier::Advanced,
        }
    }
}

/// A price from the shared catalog (`crates/pricing/data/pricing.toml`, each figure
/// with its source) for `region`, as `$0.05`; a region the catalog does not price says
/// so instead of showing a wrong or zero figure.
pub fn price_text(id: &str, region: &str) -> String {
    match pricing::catalog::Catalog::builtin().price(id, region) {
        Ok(p) => format!("${p:.2}"),
        Err(_) => format!("(price not in the catalog for {region})"),
    }
}

/// Catalog ids of the prices parameter-store quotes.
pub const ADVANCED_PARAMETER_PRICE: &str = "ssm.advanced_parameter.month";
pub const CUSTOMER_KMS_KEY_PRICE: &str = "kms.customer_key.month";
pub const KMS_REQUESTS_PRICE: &str = "kms.request.10k";
/// The AWS-managed key SSM uses when none is given: no monthly fee.
pub const DEFAULT_KEY: &str = "alias/aws/ssm";

/// A parameter as read from SSM. `value` is `None` unless it was asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ParamType,
    pub version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The plaintext. For SecureString only present when decrypted on purpose.
    #[serde(skip)]
    pub value: Option<String>,
}

impl Param {
    /// The value as it may be shown: String values as-is, secrets masked unless revealed.
    pub fn shown_value(&self, reveal: bool) -> String {
        match (&self.value, self.kind.is_secure() && !reveal) {
            (_, true) => MASK.into(),
            (Some(v), false) => v.clone(),
            (None, false) => String::new(),
        }
    }
}

/// Format an SDK timestamp as RFC 3339 (UTC, seconds).
pub fn timestamp(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|d| d.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_unless_revealed() {
        let p = Param {
            name: "/a".into(),
            kind: ParamType::SecureString,
            version: 1,
            last_modified: None,
            value: Some("hunter2".into()),
        };
        assert_eq!(p.shown_value(false), MASK);
        assert_eq!(p.shown_value(true), "hunter2");
        let json = serde_json::to_string(&p).expect("json");
        assert!(!json.contains("hunter2"), "{json}");
    }

    #[test]
    fn unknown_types_fail_closed() {
        let t = ParamType::from_sdk(Some(&aws_sdk_ssm::types::ParameterType::from(
            "FancyNewType",
        )));
        assert_eq!(t, ParamType::Unknown);
        assert_eq!(ParamType::from_sdk(None), ParamType::Unknown);
        let p = Param {
            name: "/a".into(),
            kind: t,
            version: 1,
            last_modified: None,
            value: Some("v4lue".into()),
        };
        assert_eq!(p.shown_value(false), MASK);
        assert_eq!(t.to_sdk(), aws_sdk_ssm::types::ParameterType::SecureString);
    }

    #[test]
    fn tiers_sizes() {
        assert_eq!(Tier::Standard.max_bytes(), 4096);
        assert_eq!(Tier::Advanced.max_bytes(), 8192);
    }
}
