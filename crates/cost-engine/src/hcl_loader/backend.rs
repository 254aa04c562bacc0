//! The backend a root module stores its state in (`terraform { backend "s3" {...} }`),
//! with Terraform's override-file rule: a backend in `override.tf` or `*_override.tf`
//! replaces the one of the ordinary files.

use super::*;

/// A root's backend: its type and the attributes written as plain strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backend {
    pub kind: String,
    pub attributes: BTreeMap<String, String>,
}

fn is_override(path: &Path) -> bool {
    path.file_stem()
        .and_then(|s| s.to_str())
        .is_some_and(|s| s == "override" || s.ends_with("_override"))
}

/// The backend of the root module in `dir`; `None` when it declares none (local state).
pub fn backend(dir: &Path) -> Result<Option<Backend>, LoadError> {
    let mut files = tf_files(dir)?;
    // Ordinary files first, then overrides, each in name order (Terraform's order).
    files.sort_by_key(|p| (is_override(p), p.clone()));
    let mut found = None;
    for path in files {
        for block in parse_file(&path)?.into_blocks() {
            if block.identifier() != "terraform" {
                continue;
            }
            for b in block
                .body()
                .blocks()
                .filter(|b| b.identifier() == "backend")
            {
                let Some(kind) = b.labels().first().map(|l| l.as_str().to_string()) else {
                    continue;
                };
                let attributes = b
                    .body()
                    .attributes()
                    .filter_map(|a| match a.expr() {
                        Expression::String(s) => Some((a.key().to_string(), s.clone())),
                        _ => None,
                    })
                    .collect();
                found = Some(Backend { kind, attributes });
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_override_file_replaces_the_backend() {
        let dir = tempfile::tempdir().expect("tmp");
        let write = |n: &str, t: &str| std::fs::write(dir.path().join(n), t).expect("write");
        write("main.tf", "resource \"aws_sqs_queue\" \"q\" {}\n");
        assert_eq!(backend(dir.path()).expect("read"), None);
        write(
            "backend.tf",
            "terraform {\n  backend \"s3\" {\n    key = \"env/dev.tfstate\"\n    encrypt = true\n  }\n}\n",
        );
        let b = backend(dir.path()).expect("read").expect("s3");
        assert_eq!(b.kind, "s3");
        assert_eq!(
            b.attributes.get("key").map(String::as_str),
            Some("env/dev.tfstate")
        );
        assert!(!b.attributes.contains_key("bucket"));
        write("a_override.tf", "terraform {\n  backend \"local\" {}\n}\n");
        assert_eq!(
            backend(dir.path()).expect("read").expect("local").kind,
            "local"
        );
    }
}
