//! Pure changes to a task definition's containers, and the readable diff.

use serde::Serialize;

/// What `ecs-deploy` was asked to change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    /// Full image URI for the container.
    pub image: Option<String>,
    /// Only the tag (keeps the repository).
    pub tag: Option<String>,
    /// Container to change (default: the only one, or the one named like the service... or "app").
    pub container: Option<String>,
    /// Plain environment variables to set.
    pub env: Vec<(String, String)>,
    /// Secrets to set: variable name -> SSM parameter name or ARN.
    pub secrets: Vec<(String, String)>,
}

/// A container as far as a deploy changes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub env: Vec<(String, String)>,
    pub secrets: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub container: String,
    pub lines: Vec<String>,
}

/// Whether an environment variable's name suggests a secret (`DB_PASSWORD`,
/// `API_TOKEN`, `STRIPE_SECRET_KEY`...), which belongs in `--secret`, not `--env`.
pub fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "PASSWORD",
        "PASSWD",
        "SECRET",
        "TOKEN",
        "PRIVATE",
        "CREDENTIAL",
        "API_KEY",
        "APIKEY",
        "ACCESS_KEY",
        "AUTH",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// `repo:tag` / `repo@sha256:...` / `repo` with a new tag.
pub fn retag(image: &str, tag: &str) -> String {
    let repo = match image.find('@') {
        Some(i) => &image[..i],
        None => {
            // A ':' after the last '/' separates the tag (a ':' before it is a registry port).
            let last_slash = image.rfind('/').map_or(0, |i| i + 1);
            match image[last_slash..].find(':') {
                Some(i) => &image[..last_slash + i],
                None => image,
            }
        }
    };
    format!("{repo}:{tag}")
}

/// Which container a change applies to.
pub fn pick<'a>(
    containers: &'a [Container],
    wanted: Option<&str>,
) -> Result<&'a Container, String> {
    let names = || {
        containers
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match wanted {
        Some(w) => containers.iter().find(|c| c.name == w).ok_or_else(|| {
            format!(
                "no container named \"{w}\" in the task definition; containers: {}",
                names()
            )
        }),
        None if containers.len() == 1 => Ok(&containers[0]),
        None => containers.iter().find(|c| c.name == "app").ok_or_else(|| {
            format!(
                "the task definition has several containers ({}): choose one with --container",
                names()
            )
        }),
    }
}

/// Apply a change; returns the new container and the diff (empty when nothing changes).
pub fn apply(c: &Container, change: &Change) -> (Container, Diff) {
    let mut new = c.clone();
    let mut lines = Vec::new();
    let image = match (&change.image, &change.tag) {
        (Some(i), _) => Some(i.clone()),
        (None, Some(t)) => Some(retag(&c.image, t)),
        _ => None,
    };
    if let Some(i) = image
        && i != c.image
    {
        lines.push(format!("image: {} -> {i}", c.image));
        new.image = i;
    }
    for (k, v) in &change.env {
        match new.env.iter_mut().find(|(n, _)| n == k) {
            Some((_, old)) if old == v => {}
            Some((_, old)) => {
                lines.push(format!("env {k}: changed"));
                *old = v.clone();
            }
            None => {
                lines.push(format!("env {k}: added"));
                new.env.push((k.clone(), v.clone()));
            }
        }
    }
    for (k, p) in &change.secrets {
        match new.secrets.iter_mut().find(|(n, _)| n == k) {
            Some((_, old)) if old == p => {}
            Some((_, old)) => {
                lines.push(format!("secret {k}: {old} -> {p}"));
                *old = p.clone();
            }
            None => {
                lines.push(format!("secret {k}: from {p} (added)"));
                new.secrets.push((k.clone(), p.clone()));
            }
        }
    }
    (
        new,
        Diff {
            container: c.name.clone(),
            lines,
        },
    )
}

/// ECR image URI parts: (registry account, region, repository, tag or digest).
pub fn parse_ecr(image: &str) -> Option<(String, String, String, String)> {
    let (host, rest) = image.split_once('/')?;
    let mut h = host.split('.');
    let account = h.next()?;
    if h.next()? != "dkr" || h.next()? != "ecr" {
        return None;
    }
    let region = h.next()?;
    let (repo, reference) = match rest.split_once('@') {
        Some((r, d)) => (r, d),
        None => rest.rsplit_once(':').unwrap_or((rest, "latest")),
    };
    Some((account.into(), region.into(), repo.into(), reference.into()))
}

/// `repo:tag` (or `repo`) pinned to a digest: `repo@sha256:...`.
pub fn pin_digest(image: &str, digest: &str) -> String {
    let repo = retag(image, "x");
    let repo = repo.strip_suffix(":x").unwrap_or(&repo);
    format!("{repo}@{digest}")
}

/// `KEY=VALUE` list from the command line.
pub fn parse_pairs(raw: &[String], what: &str) -> Result<Vec<(String, String)>, String> {
    raw.iter()
        .map(|r| match r.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(format!("{what} \"{r}\" is not NAME=VALUE")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Container {
        Container {
            name: "app".into(),
            image: "123.dkr.ecr.us-east-1.amazonaws.com/fft/app:v1".into(),
            env: vec![("LOG".into(), "info".into())],
            secrets: vec![],
        }
    }

    #[test]
    fn retag_keeps_registry_ports_and_drops_digests() {
        assert_eq!(retag("nginx", "1.29"), "nginx:1.29");
        assert_eq!(retag("nginx:alpine", "1.29"), "nginx:1.29");
        assert_eq!(
            retag("localhost:5000/app:v1", "v2"),
            "localhost:5000/app:v2"
        );
        assert_eq!(retag("r/app@sha256:abc", "v2"), "r/app:v2");
    }

    #[test]
    fn apply_tag_env_and_secret_with_diff() {
        let change = Change {
            tag: Some("v2".into()),
            env: vec![("LOG".into(), "debug".into()), ("NEW".into(), "1".into())],
            secrets: vec![("DB_PASSWORD".into(), "/app/dev/db-password".into())],
            ..Change::default()
        };
        let (new, diff) = apply(&app(), &change);
        assert_eq!(new.image, "123.dkr.ecr.us-east-1.amazonaws.com/fft/app:v2");
        assert_eq!(diff.lines.len(), 4, "{:?}", diff.lines);
        assert!(
            diff.lines.iter().any(|l| l == "env LOG: changed"),
            "values of env vars are not printed"
        );
        let (_, none) = apply(
            &new,
            &Change {
                tag: Some("v2".into()),
                ..Change::default()
            },
        );
        assert!(none.lines.is_empty());
    }

    #[test]
    fn picks_the_container() {
        let two = vec![
            app(),
            Container {
                name: "sidecar".into(),
                ..app()
            },
        ];
        assert_eq!(pick(&two, None).map(|c| c.name.as_str()), Ok("app"));
        assert!(
            pick(&two, Some("nope"))
                .expect_err("no such container")
                .contains("app, sidecar")
        );
    }

    #[test]
    fn pins_a_tag_to_its_digest() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            pin_digest(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app:v42",
                &d
            ),
            format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app@{d}")
        );
        assert_eq!(
            pin_digest("localhost:5000/app", &d),
            format!("localhost:5000/app@{d}")
        );
    }

    #[test]
    fn ecr_uris() {
        assert_eq!(
            parse_ecr("123.dkr.ecr.us-east-1.amazonaws.com/fft/app:v1"),
            Some((
                "123".into(),
                "us-east-1".into(),
                "fft/app".into(),
                "v1".into()
            ))
        );
        assert_eq!(parse_ecr("nginx:alpine"), None);
        assert_eq!(parse_ecr("public.ecr.aws/nginx/nginx:1"), None);
    }
}
