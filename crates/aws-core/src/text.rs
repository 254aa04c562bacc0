//! Small text rules several tools share: URL percent-encoding, the cache directory.

use std::path::PathBuf;

/// RFC 3986 percent-encoding: unreserved characters stay, every other byte is `%XX`
/// (what SigV4 canonical requests and registry query strings expect).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Tags: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub fn check_image_tag(tag: &str) -> Result<(), String> {
    let mut chars = tag.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if tag.is_empty() {
        return Err("the tag is empty".into());
    }
    if !(first_ok && rest_ok) || tag.len() > 128 {
        return Err(format!(
            "tag {tag:?} is not a valid image tag: up to 128 letters, digits, '_', '.' and '-', \
             not starting with '.' or '-'"
        ));
    }
    Ok(())
}

/// `$XDG_CACHE_HOME/fargate-free-tier` (an absolute path), else
/// `$HOME/.cache/fargate-free-tier`; `None` when neither is set.
pub fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("fargate-free-tier"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(percent_encode("tag:x y/é"), "tag%3Ax%20y%2F%C3%A9");
    }
}
