//! Which tags a push writes (docs/decisions/0007-image-tags.md): every image is pushed
//! under a pinned tag that is never moved to another image (the git commit of a clean
//! build, the `--tag` given, or one derived from the image digest), and `latest` is the
//! only tag that moves, where the repository allows it.

use crate::digest::Digest;

/// The one tag that moves from image to image.
pub const MOVING: &str = "latest";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPlan {
    /// Never moved: pushing another image under it is refused.
    pub pinned: String,
    /// `latest`, when asked for.
    pub moving: Option<String>,
}

impl TagPlan {
    pub fn all(&self) -> Vec<String> {
        std::iter::once(self.pinned.clone())
            .chain(self.moving.clone())
            .collect()
    }
}

/// `requested` is `--tag`; `also_latest` is `--latest`; `commit` is the git commit of a
/// clean working tree the image was built from (only for `--build`).
pub fn plan(
    requested: Option<&str>,
    also_latest: bool,
    commit: Option<&str>,
    digest: &Digest,
) -> TagPlan {
    let derived = || match commit {
        Some(c) => format!("git-{}", &c[..c.len().min(12)]),
        None => format!("sha256-{}", digest.short()),
    };
    match requested {
        None => TagPlan {
            pinned: derived(),
            moving: also_latest.then(|| MOVING.to_string()),
        },
        Some(MOVING) => TagPlan {
            pinned: derived(),
            moving: Some(MOVING.to_string()),
        },
        Some(t) => TagPlan {
            pinned: t.to_string(),
            moving: also_latest.then(|| MOVING.to_string()),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn latest_is_never_the_only_tag() {
        let d = Digest::of(b"m");
        let p = plan(Some("latest"), false, None, &d);
        assert_eq!(p.pinned, format!("sha256-{}", d.short()));
        assert_eq!(p.moving.as_deref(), Some("latest"));
        let p = plan(Some("latest"), false, Some("0123456789abcdef0123"), &d);
        assert_eq!(p.pinned, "git-0123456789ab");
        assert_eq!(
            p.all(),
            vec!["git-0123456789ab".to_string(), "latest".into()]
        );
    }

    #[test]
    fn an_explicit_tag_is_pinned() {
        let d = Digest::of(b"m");
        assert_eq!(
            plan(Some("v42"), false, None, &d).all(),
            vec!["v42".to_string()]
        );
        assert_eq!(
            plan(Some("v42"), true, None, &d).all(),
            vec!["v42".to_string(), "latest".into()]
        );
        assert_eq!(plan(None, false, None, &d).moving, None);
    }
}
