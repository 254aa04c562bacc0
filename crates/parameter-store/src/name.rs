//! Parameter names and paths, validated the way SSM does before anything is sent.
//!
//! Rules (SSM PutParameter / "Parameter name requirements"):
//! - letters, digits and `_ . - /` only;
//! - a name containing `/` must be fully qualified (start with `/`), with no empty
//!   segment and no trailing `/`;
//! - at most 15 levels of hierarchy;
//! - must not start with `aws` or `ssm` (case-insensitive), with or without `/`;
//! - at most 1011 characters including the ARN prefix
//!   `arn:aws:ssm:<region>:<account>:parameter`.

use std::fmt;

pub const MAX_DEPTH: usize = 15;
/// SSM's limit for what a user can create, ARN prefix included.
pub const MAX_WITH_ARN: usize = 1011;
/// `arn:aws:ssm:` + `:` + 12-digit account + `:parameter`, without the region.
const ARN_PREFIX_FIXED: usize = "arn:aws:ssm:".len() + ":123456789012:parameter".len();

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("parameter name is empty")]
    Empty,
    #[error(
        "parameter name \"{name}\" contains '{ch}' at position {pos}; allowed: letters, digits, '_', '.', '-', '/'"
    )]
    BadChar { name: String, ch: char, pos: usize },
    #[error("parameter name \"{0}\" contains '/' so it must be fully qualified: start it with '/'")]
    NotQualified(String),
    #[error("path \"{0}\" must start with '/', e.g. /app/dev")]
    PathNotQualified(String),
    #[error("parameter name \"{0}\" has an empty level ('//') or ends with '/'")]
    EmptySegment(String),
    #[error("parameter name \"{name}\" has {depth} levels; SSM allows at most {MAX_DEPTH}")]
    TooDeep { name: String, depth: usize },
    #[error("parameter name \"{0}\" starts with \"aws\" or \"ssm\", which AWS reserves")]
    Reserved(String),
    #[error(
        "parameter name is {len} characters; with its ARN prefix it must stay within {MAX_WITH_ARN} (at most {max} here)"
    )]
    TooLong { len: usize, max: usize },
}

/// Validate a full parameter name (not a path).
pub fn validate_name(name: &str, region: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    check_chars(name)?;
    let max = MAX_WITH_ARN.saturating_sub(ARN_PREFIX_FIXED + region.len());
    let len = name.chars().count();
    if len > max {
        return Err(NameError::TooLong { len, max });
    }
    if name.contains('/') {
        if !name.starts_with('/') {
            return Err(NameError::NotQualified(name.into()));
        }
        if name.ends_with('/') || name[1..].split('/').any(str::is_empty) {
            return Err(NameError::EmptySegment(name.into()));
        }
        let depth = name.matches('/').count();
        if depth > MAX_DEPTH {
            return Err(NameError::TooDeep {
                name: name.into(),
                depth,
            });
        }
    }
    let first = name.trim_start_matches('/').to_ascii_lowercase();
    if first.starts_with("aws") || first.starts_with("ssm") {
        return Err(NameError::Reserved(name.into()));
    }
    Ok(())
}

/// Validate a path used for list/import/export/exec (`/` or `/app/dev`, with or
/// without a trailing slash). Returns it normalised without the trailing slash
/// (except for the root `/`).
pub fn normalize_path(path: &str) -> Result<String, NameError> {
    if path.is_empty() {
        return Err(NameError::Empty);
    }
    check_chars(path)?;
    if !path.starts_with('/') {
        return Err(NameError::PathNotQualified(path.into()));
    }
    if path == "/" {
        return Ok("/".into());
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed[1..].split('/').any(str::is_empty) {
        return Err(NameError::EmptySegment(path.into()));
    }
    let depth = trimmed.matches('/').count();
    if depth > MAX_DEPTH {
        return Err(NameError::TooDeep {
            name: path.into(),
            depth,
        });
    }
    Ok(trimmed.into())
}

/// Whether `inner` lies strictly below `outer` (`/app/cp/backup` is below `/app/cp`,
/// `/app/cpx` is not).
pub fn is_below(inner: &str, outer: &str) -> bool {
    if outer == "/" {
        return inner != "/";
    }
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// Join a path and a relative key (`/app/dev` + `db/password`).
pub fn join(path: &str, key: &str) -> String {
    let key = key.trim_start_matches('/');
    if path == "/" {
        format!("/{key}")
    } else {
        format!("{path}/{key}")
    }
}

/// The part of `name` below `path` (`/app/dev/db/password` under `/app/dev` is `db/password`).
pub fn relative<'a>(path: &str, name: &'a str) -> &'a str {
    let prefix_len = if path == "/" { 1 } else { path.len() + 1 };
    if name.len() > prefix_len && name.starts_with(path) {
        &name[prefix_len..]
    } else {
        name.trim_start_matches('/')
    }
}

/// An environment variable name for a key, like chamber: `db-password` -> `DB_PASSWORD`.
pub fn env_var_name(key: &str) -> String {
    let mut out: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn check_chars(name: &str) -> Result<(), NameError> {
    match name
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/')))
    {
        Some((pos, ch)) => Err(NameError::BadChar {
            name: name.into(),
            ch,
            pos,
        }),
        None => Ok(()),
    }
}

/// A displayable wrapper to print names in error messages.
pub struct Quoted<'a>(pub &'a str);
impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const R: &str = "us-east-1";

    #[test]
    fn accepts_documented_names() {
        for ok in [
            "/app/dev/db-password",
            "/app/dev/config",
            "plain",
            "a.b_c-d",
            "/x",
        ] {
            assert_eq!(validate_name(ok, R), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_with_reason() {
        let cases = [
            ("", "empty"),
            ("/app/dev/db password", "contains ' '"),
            ("app/dev", "fully qualified"),
            ("/app//dev", "empty level"),
            ("/app/dev/", "empty level"),
            ("/aws/foo", "reserves"),
            ("/SSM/foo", "reserves"),
            ("awsfoo", "reserves"),
            ("/a/é", "contains 'é'"),
        ];
        for (name, why) in cases {
            let err = validate_name(name, R).expect_err(name).to_string();
            assert!(
                err.to_lowercase().contains(&why.to_lowercase()),
                "{name}: {err}"
            );
        }
    }

    #[test]
    fn depth_limit_is_fifteen() {
        let ok = "/a".repeat(15);
        assert_eq!(validate_name(&ok, R), Ok(()));
        let deep = "/a".repeat(16);
        assert!(matches!(
            validate_name(&deep, R),
            Err(NameError::TooDeep { depth: 16, .. })
        ));
    }

    #[test]
    fn length_limit_counts_the_arn() {
        let max = MAX_WITH_ARN - ARN_PREFIX_FIXED - R.len();
        let ok = format!("/{}", "a".repeat(max - 1));
        assert_eq!(validate_name(&ok, R), Ok(()));
        let long = format!("/{}", "a".repeat(max));
        assert!(matches!(
            validate_name(&long, R),
            Err(NameError::TooLong { .. })
        ));
    }

    #[test]
    fn below_is_by_level_not_by_prefix() {
        assert!(is_below("/app/cp/backup", "/app/cp"));
        assert!(!is_below("/app/cpx", "/app/cp"));
        assert!(!is_below("/app/cp", "/app/cp"));
        assert!(is_below("/x", "/"));
        assert_eq!(
            normalize_path("no-slash")
                .expect_err("relative")
                .to_string(),
            "path \"no-slash\" must start with '/', e.g. /app/dev"
        );
    }

    #[test]
    fn paths_normalise() {
        assert_eq!(normalize_path("/app/dev/").as_deref(), Ok("/app/dev"));
        assert_eq!(normalize_path("/").as_deref(), Ok("/"));
        assert!(normalize_path("app").is_err());
    }

    #[test]
    fn join_and_relative_round_trip() {
        assert_eq!(join("/app/dev", "db/password"), "/app/dev/db/password");
        assert_eq!(join("/", "x"), "/x");
        assert_eq!(relative("/app/dev", "/app/dev/db/password"), "db/password");
        assert_eq!(relative("/", "/x/y"), "x/y");
    }

    #[test]
    fn env_names_like_chamber() {
        assert_eq!(env_var_name("db-password"), "DB_PASSWORD");
        assert_eq!(env_var_name("api/key.v2"), "API_KEY_V2");
        assert_eq!(env_var_name("1st"), "_1ST");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = validate_name(&s, R);
            let _ = normalize_path(&s);
            let _ = env_var_name(&s);
        }

        #[test]
        fn generated_valid_names_pass(segs in proptest::collection::vec("[b-rt-z0-9_.-][a-zA-Z0-9_.-]{0,10}", 1..15)) {
            let name = format!("/{}", segs.join("/"));
            prop_assert_eq!(validate_name(&name, R), Ok(()));
        }
    }
}
