//! Last line of defence for "never print a secret": every secret value the process
//! holds is registered here, and everything written to stderr by
//! [`crate::cli::report_error`] and [`crate::output::Output`] is passed through
//! [`redact`]. The first line of defence is not to put values in messages at all.

use std::sync::{Mutex, OnceLock};

/// What a redacted secret looks like.
pub const MASK: &str = "********";

/// Shorter values are not redacted: masking every "a" or "10" in a message would
/// garble it while hiding nothing worth hiding.
pub const MIN_LEN: usize = 4;

fn registry() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Remember a secret value so it can never reach stderr.
pub fn register(value: &str) {
    if value.len() < MIN_LEN {
        return;
    }
    let mut all = registry().lock().unwrap_or_else(|p| p.into_inner());
    if !all.iter().any(|v| v == value) {
        all.push(value.to_string());
        // Longest first, so a secret containing another is masked whole.
        all.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }
    // Values sent to AWS are JSON-encoded: the escaped form must not leak either.
    let escaped = serde_json::to_string(value).unwrap_or_default();
    let escaped = escaped.trim_matches('"');
    if escaped != value && escaped.len() >= MIN_LEN && !all.iter().any(|v| v == escaped) {
        all.push(escaped.to_string());
        all.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }
}

/// `text` with every registered secret replaced by [`MASK`].
pub fn redact(text: &str) -> String {
    let all = registry().lock().unwrap_or_else(|p| p.into_inner());
    let mut out = text.to_string();
    for secret in all.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), MASK);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_values_are_masked_plain_and_json_escaped() {
        register("hunter2-\"quoted\"");
        register("abc");
        let msg = r#"body {"Value":"hunter2-\"quoted\""} and hunter2-"quoted" and abc"#;
        let out = redact(msg);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains("abc"), "short values are left alone: {out}");
    }
}
