//! Image references checked against the OCI distribution grammar before anything is
//! registered: `[registry[:port]/]path[:tag][@algorithm:hex]`. ECS accepts almost any
//! string in a task definition and fails only when a task tries to pull it, minutes
//! later and after the old revision was replaced.

/// Tags: one rule for every tool (aws_core::text).
pub use aws_core::text::check_image_tag as check_tag;

/// A whole reference, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app:v42`.
pub fn check_reference(reference: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "image {reference:?} is not a valid image reference: {why}"
        ))
    };
    if reference.is_empty() {
        return bad("it is empty");
    }
    if reference
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return bad("it contains a space or control character");
    }
    let (name_tag, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    if let Some(d) = digest {
        check_digest(d).or_else(|e| bad(&e))?;
    }
    // A ':' after the last '/' starts the tag; one before it is a registry port.
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag[last_slash..].find(':') {
        Some(i) => (
            &name_tag[..last_slash + i],
            Some(&name_tag[last_slash + i + 1..]),
        ),
        None => (name_tag, None),
    };
    if let Some(t) = tag {
        check_tag(t).or_else(|e| bad(&e))?;
    }
    if name.len() > 255 {
        return bad("the name is longer than 255 characters");
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    let first = parts[0];
    let has_domain = parts.len() > 1
        && (first.contains(['.', ':'])
            || first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase()));
    if has_domain {
        check_domain(first).or_else(|e| bad(&e))?;
        parts.remove(0);
    }
    for p in parts {
        check_path_component(p).or_else(|e| bad(&e))?;
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), String> {
    let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
        let (ip, after) = rest
            .split_once(']')
            .ok_or_else(|| "the registry's IPv6 address has no closing ']'".to_string())?;
        ip.parse::<std::net::Ipv6Addr>()
            .map_err(|_| format!("registry address [{ip}] is not IPv6"))?;
        (None, after.strip_prefix(':'))
    } else {
        match domain.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(domain), None),
        }
    };
    if let Some(p) = port
        && !(p.len() <= 5 && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("registry port {p:?} is not a number"));
    }
    if let Some(h) = host {
        let ok = h.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
        if !ok {
            return Err(format!("registry {h:?} is not a host name"));
        }
    }
    Ok(())
}

/// `[a-z0-9]+` groups joined by `.`, `_`, `__` or runs of `-`.
fn check_path_component(p: &str) -> Result<(), String> {
    let bytes = p.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let ok = !p.is_empty()
        && alnum(bytes[0])
        && alnum(bytes[bytes.len() - 1])
        && bytes
            .iter()
            .all(|&b| alnum(b) || matches!(b, b'.' | b'_' | b'-'))
        && !p.contains("..")
        && !p.contains("___")
        && !p.contains("._")
        && !p.contains("_.")
        && !p.contains(".-")
        && !p.contains("-.")
        && !p.contains("_-")
        && !p.contains("-_");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "repository path part {p:?} must be lowercase letters and digits, joined by '.', '_', '__' or '-'"
        ))
    }
}

fn check_digest(d: &str) -> Result<(), String> {
    let (algo, hex) = d
        .split_once(':')
        .ok_or_else(|| format!("digest {d:?} is not algorithm:hex"))?;
    let valid = match algo {
        "sha256" => hex.len() == 64,
        "sha512" => hex.len() == 128,
        _ => false,
    } && hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "digest {d:?} is not sha256:<64 hex> or sha512:<128 hex>"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_references() {
        for ok in [
            "nginx",
            "nginx:1.27-alpine",
            "public.ecr.aws/nginx/nginx:stable",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/fft-dev/app:v42",
            "localhost:5000/app",
            "[::1]:5000/app:latest",
            "ghcr.io/a__b/c-d/e.f:X_1",
            &format!("app@sha256:{}", "a".repeat(64)),
            &format!("registry:5000/app:v1@sha256:{}", "0".repeat(64)),
        ] {
            assert!(
                check_reference(ok).is_ok(),
                "{ok}: {:?}",
                check_reference(ok)
            );
        }
    }

    #[test]
    fn refuses_what_ecs_would_fail_to_pull() {
        for bad in [
            "",
            "bad image with spaces",
            "App:v1",
            "app:",
            "app:bad/../x",
            "app:-dash",
            "app@sha256:short",
            "reg.io/UPPER/app",
            "app//x",
            "[::1/app",
            "reg.io:port/app",
            "app\u{1b}[31m",
        ] {
            assert!(check_reference(bad).is_err(), "{bad}");
        }
        assert!(check_tag("").is_err());
        assert!(
            check_tag("bad:tag/../x")
                .expect_err("bad")
                .contains("not a valid image tag")
        );
        assert!(check_tag(&"a".repeat(129)).is_err());
        assert!(check_tag("v1.2.3_rc-1").is_ok());
    }
}
