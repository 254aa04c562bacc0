//! The ECR adapter: the only code of this crate that calls the ECR API (`cargo xtask
//! tidy` checks it). Blobs go up through the layer-upload API and manifests through
//! PutImage, with the SDK's credentials: no `docker login`, no second credential path,
//! and none of the registry protocol's chunked-upload quirks. Every request is counted.

use crate::digest::Digest;
use crate::manifest;
use crate::prepare::Blob;
use aws_core::{Error, Result};
use aws_sdk_ecr::error::ProvideErrorMetadata;
use aws_sdk_ecr::types::{ImageIdentifier, ImageTagMutability};
use std::collections::{BTreeMap, BTreeSet};

/// ECR's bounds on a layer part (all but the last): at least 5 MiB, at most 10 MiB.
const MIN_PART: u64 = 5 << 20;
const MAX_PART: u64 = 10 << 20;
/// BatchCheckLayerAvailability and BatchGetImage take at most 100 ids per request.
const BATCH: usize = 100;

#[derive(Debug, Clone)]
pub struct Repository {
    pub name: String,
    pub uri: String,
    /// MUTABLE, IMMUTABLE, or an *_WITH_EXCLUSION mode.
    pub mutability: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Put {
    Created,
    /// The tag already named this exact manifest.
    Unchanged,
    /// The repository refused to move an existing tag (IMMUTABLE).
    TagImmutable,
}

/// What the repository stores: images, and bytes with shared blobs counted once.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Stored {
    pub images: usize,
    pub untagged: usize,
    pub bytes: u64,
}

pub struct Ecr {
    /// The shared ECR listing (the repository's images), over the same client.
    shared: aws_core::services::ecr::Ecr,
    client: aws_sdk_ecr::Client,
    repo: String,
}

type SdkError<E> = aws_sdk_ecr::error::SdkError<E, aws_sdk_ecr::config::http::HttpResponse>;

/// The service error code of a failed request (`RepositoryNotFoundException`, ...).
fn service_code<E: ProvideErrorMetadata>(e: &SdkError<E>) -> Option<String> {
    e.as_service_error()
        .and_then(|s| s.code())
        .map(str::to_string)
}

impl Ecr {
    /// On the process's session: its client, and its one request counter.
    pub fn new(session: &aws_core::Session, repo: &str) -> Ecr {
        Ecr::with(aws_core::services::ecr::Ecr::new(session), repo)
    }

    /// An adapter over a given client (tests drive it with aws-smithy-mocks).
    pub fn from_client(client: aws_sdk_ecr::Client, repo: &str) -> Ecr {
        Ecr::with(
            aws_core::services::ecr::Ecr::with_client(client, Default::default()),
            repo,
        )
    }

    fn with(shared: aws_core::services::ecr::Ecr, repo: &str) -> Ecr {
        Ecr {
            client: shared.client().clone(),
            shared,
            repo: repo.to_string(),
        }
    }

    /// Requests sent so far (the process's count).
    pub fn api_calls(&self) -> u32 {
        self.shared.counter().get()
    }

    fn count(&self) {
        self.shared.counter().count();
    }

    /// The repository, or `None` when it does not exist.
    pub async fn repository(&self) -> Result<Option<Repository>> {
        self.count();
        let out = match self
            .client
            .describe_repositories()
            .repository_names(&self.repo)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if service_code(&e).as_deref() == Some("RepositoryNotFoundException") => {
                return Ok(None);
            }
            Err(e) => return Err(Error::from_sdk("ecr:DescribeRepositories", e)),
        };
        let Some(r) = out.repositories().first() else {
            return Ok(None);
        };
        Ok(Some(Repository {
            name: self.repo.clone(),
            uri: r.repository_uri().unwrap_or_default().to_string(),
            mutability: r
                .image_tag_mutability()
                .map_or("MUTABLE", ImageTagMutability::as_str)
                .to_string(),
        }))
    }

    /// Create the repository the way modules/ecr does (scan on push, AES256, MUTABLE
    /// with this tool's tag discipline) with its lifecycle policy.
    /// A repository created meanwhile by another run (or person) is used as it is:
    /// its settings are not this run's to change.
    pub async fn create(&self, keep_images: u32, untagged_days: u32) -> Result<Repository> {
        self.count();
        let created = self
            .client
            .create_repository()
            .repository_name(&self.repo)
            .image_tag_mutability(ImageTagMutability::Mutable)
            .image_scanning_configuration(
                aws_sdk_ecr::types::ImageScanningConfiguration::builder()
                    .scan_on_push(true)
                    .build(),
            )
            .tags(
                aws_sdk_ecr::types::Tag::builder()
                    .key("managed-by")
                    .value("push-to-ecr")
                    .build()
                    .map_err(|e| Error::Failed(e.to_string()))?,
            )
            .send()
            .await;
        let out = match created {
            Ok(o) => o,
            Err(e) if service_code(&e).as_deref() == Some("RepositoryAlreadyExistsException") => {
                return self.repository().await?.ok_or_else(|| {
                    Error::Failed(format!("repository {} exists and then does not", self.repo))
                });
            }
            Err(e) => return Err(Error::from_sdk("ecr:CreateRepository", e)),
        };
        self.count();
        self.client
            .put_lifecycle_policy()
            .repository_name(&self.repo)
            .lifecycle_policy_text(lifecycle_policy(keep_images, untagged_days))
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecr:PutLifecyclePolicy", e))?;
        let r = out.repository();
        Ok(Repository {
            name: self.repo.clone(),
            uri: r
                .and_then(|r| r.repository_uri())
                .unwrap_or_default()
                .to_string(),
            mutability: "MUTABLE".into(),
        })
    }

    /// Whether a lifecycle policy exists (without one, storage grows with every push).
    pub async fn has_lifecycle_policy(&self) -> Result<bool> {
        self.count();
        match self
            .client
            .get_lifecycle_policy()
            .repository_name(&self.repo)
            .send()
            .await
        {
            Ok(p) => Ok(p.lifecycle_policy_text().is_some()),
            Err(e) if service_code(&e).as_deref() == Some("LifecyclePolicyNotFoundException") => {
                Ok(false)
            }
            Err(e) => Err(Error::from_sdk("ecr:GetLifecyclePolicy", e)),
        }
    }

    /// Digest of the manifest each tag names now (absent tags left out). The digest is
    /// computed from the stored manifest bytes, not taken from the answer.
    pub async fn tags(&self, tags: &[String]) -> Result<BTreeMap<String, Digest>> {
        let ids = tags
            .iter()
            .map(|t| ImageIdentifier::builder().image_tag(t).build());
        let out = self.batch_get(ids).await?;
        // A tag is absent when it is among the failures. The answer's image ids do not
        // always name the tag asked for (moto names one tag of the image), so when all
        // present tags name one manifest, that is their digest; otherwise each tag's
        // image id decides, and any tag still unknown is asked for on its own.
        let failed: BTreeSet<&str> = out
            .failures()
            .iter()
            .filter_map(|f| f.image_id().and_then(|i| i.image_tag()))
            .collect();
        let present: Vec<&String> = tags
            .iter()
            .filter(|t| !failed.contains(t.as_str()))
            .collect();
        let digests: Vec<(Option<&str>, Digest)> = out
            .images()
            .iter()
            .filter_map(|img| {
                let m = img.image_manifest()?;
                Some((
                    img.image_id().and_then(|i| i.image_tag()),
                    Digest::of(m.as_bytes()),
                ))
            })
            .collect();
        let distinct: BTreeSet<&Digest> = digests.iter().map(|(_, d)| d).collect();
        let mut found = BTreeMap::new();
        if distinct.len() == 1 {
            let d = digests[0].1.clone();
            for t in present {
                found.insert(t.clone(), d.clone());
            }
            return Ok(found);
        }
        for (tag, d) in &digests {
            if let Some(t) = tag
                && tags.iter().any(|x| x == t)
            {
                found.insert(t.to_string(), d.clone());
            }
        }
        for t in present {
            if !found.contains_key(t) && tags.len() > 1 {
                found.extend(Box::pin(self.tags(std::slice::from_ref(t))).await?);
            }
        }
        Ok(found)
    }

    /// BatchGetImage of `ids`, accepting every manifest type (so ECR converts none).
    async fn batch_get(
        &self,
        ids: impl Iterator<Item = ImageIdentifier>,
    ) -> Result<aws_sdk_ecr::operation::batch_get_image::BatchGetImageOutput> {
        let mut req = self.client.batch_get_image().repository_name(&self.repo);
        for id in ids {
            req = req.image_ids(id);
        }
        for t in manifest::ACCEPTED {
            req = req.accepted_media_types(t);
        }
        self.count();
        req.send()
            .await
            .map_err(|e| Error::from_sdk("ecr:BatchGetImage", e))
    }

    /// The blobs among `digests` the repository lacks.
    pub async fn missing(&self, digests: &[Digest]) -> Result<BTreeSet<Digest>> {
        let mut missing = BTreeSet::new();
        for chunk in digests.chunks(BATCH) {
            self.count();
            let out = self
                .client
                .batch_check_layer_availability()
                .repository_name(&self.repo)
                .set_layer_digests(Some(chunk.iter().map(ToString::to_string).collect()))
                .send()
                .await
                .map_err(|e| Error::from_sdk("ecr:BatchCheckLayerAvailability", e))?;
            let available: BTreeSet<&str> = out
                .layers()
                .iter()
                .filter(|l| l.layer_availability().map(|a| a.as_str()) == Some("AVAILABLE"))
                .filter_map(|l| l.layer_digest())
                .collect();
            missing.extend(
                chunk
                    .iter()
                    .filter(|d| !available.contains(d.as_str()))
                    .cloned(),
            );
        }
        Ok(missing)
    }

    /// Upload one blob in parts of the size ECR asks for. `on_bytes` is told each part.
    pub async fn upload(&self, blob: &Blob, on_bytes: &(dyn Fn(u64) + Sync)) -> Result<()> {
        self.count();
        let init = self
            .client
            .initiate_layer_upload()
            .repository_name(&self.repo)
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecr:InitiateLayerUpload", e))?;
        let upload_id = init
            .upload_id()
            .ok_or_else(|| Error::Failed("ecr:InitiateLayerUpload returned no upload id".into()))?
            .to_string();
        let part = part_size(init.part_size());
        let mut offset = 0u64;
        while offset < blob.size {
            let len = part.min(blob.size - offset);
            let bytes = read_part(blob, offset, len).await?;
            let last = offset + len - 1;
            self.count();
            let sent = self
                .client
                .upload_layer_part()
                .repository_name(&self.repo)
                .upload_id(&upload_id)
                .part_first_byte(offset as i64)
                .part_last_byte(last as i64)
                .layer_part_blob(aws_smithy_types::Blob::new(bytes))
                .send()
                .await;
            match sent {
                Ok(_) => {}
                // A retried part whose first attempt did arrive: ECR says where it is.
                Err(SdkError::ServiceError(ctx))
                    if matches!(
                        ctx.err(),
                        aws_sdk_ecr::operation::upload_layer_part::UploadLayerPartError::InvalidLayerPartException(p)
                            if p.last_valid_byte_received() == Some(last as i64)
                    ) => {}
                Err(e) => return Err(Error::from_sdk("ecr:UploadLayerPart", e)),
            }
            on_bytes(len);
            offset += len;
        }
        self.count();
        let done = self
            .client
            .complete_layer_upload()
            .repository_name(&self.repo)
            .upload_id(&upload_id)
            .layer_digests(blob.digest.to_string())
            .send()
            .await;
        match done {
            Ok(o) => {
                if let Some(d) = o.layer_digest()
                    && d != blob.digest.as_str()
                {
                    return Err(Error::Failed(format!(
                        "ECR stored blob {d} for {} ({} bytes): the upload was corrupted in transit",
                        blob.digest, blob.size
                    )));
                }
                Ok(())
            }
            Err(e) if service_code(&e).as_deref() == Some("LayerAlreadyExistsException") => Ok(()),
            Err(e) => Err(Error::from_sdk("ecr:CompleteLayerUpload", e)),
        }
    }

    /// Point `tag` at the manifest (sent byte-exact with its digest, which ECR checks).
    pub async fn put(
        &self,
        tag: &str,
        manifest: &[u8],
        media_type: &str,
        digest: &Digest,
    ) -> Result<Put> {
        let text = std::str::from_utf8(manifest)
            .map_err(|_| Error::Invalid("the image manifest is not UTF-8 text".into()))?;
        self.count();
        let out = self
            .client
            .put_image()
            .repository_name(&self.repo)
            .image_manifest(text)
            .image_manifest_media_type(media_type)
            .image_digest(digest.to_string())
            .image_tag(tag)
            .send()
            .await;
        match out {
            Ok(_) => Ok(Put::Created),
            Err(e) => match service_code(&e).as_deref() {
                Some("ImageAlreadyExistsException") => Ok(Put::Unchanged),
                Some("ImageTagAlreadyExistsException") => Ok(Put::TagImmutable),
                _ => Err(Error::from_sdk("ecr:PutImage", e)),
            },
        }
    }

    /// Images and stored bytes, shared blobs once (what ECR bills as storage).
    pub async fn stored(&self) -> Result<Stored> {
        let images = self
            .shared
            .images(&self.repo)
            .await?
            .ok_or_else(|| Error::NotFound {
                what: format!("ECR repository {}", self.repo),
                hint: None,
            })?;
        let untagged = images.iter().filter(|d| d.tags.is_empty()).count();
        let digests: Vec<String> = images
            .into_iter()
            .map(|d| d.digest)
            .filter(|d| !d.is_empty())
            .collect();
        let mut blobs: BTreeMap<String, u64> = BTreeMap::new();
        for chunk in digests.chunks(BATCH) {
            let ids = chunk
                .iter()
                .map(|d| ImageIdentifier::builder().image_digest(d).build());
            let out = self.batch_get(ids).await?;
            for img in out.images() {
                for d in manifest::referenced_blobs(img.image_manifest().unwrap_or("").as_bytes()) {
                    blobs.insert(d.digest, d.size);
                }
            }
        }
        Ok(Stored {
            images: digests.len(),
            untagged,
            bytes: blobs.values().sum(),
        })
    }
}

/// A part size within ECR's bounds (the size ECR asks for when it is within them).
fn part_size(asked: Option<i64>) -> u64 {
    match asked {
        Some(n) if n > 0 => (n as u64).clamp(MIN_PART, MAX_PART),
        _ => MAX_PART,
    }
}

async fn read_part(blob: &Blob, offset: u64, len: u64) -> Result<Vec<u8>> {
    let data = blob.data.clone();
    let r = tokio::task::spawn_blocking(move || data.read_range(offset, len as usize))
        .await
        .map_err(|e| Error::Failed(format!("reading a layer: {e}")))?;
    r.map_err(|e| Error::Io {
        context: format!("reading blob {}", blob.digest),
        source: e,
    })
}

/// The lifecycle policy of a repository this tool creates, equal in effect to
/// modules/ecr's: untagged images expire after `untagged_days`, and only the newest
/// `keep` tagged images stay.
pub fn lifecycle_policy(keep: u32, untagged_days: u32) -> String {
    serde_json::json!({
        "rules": [
            {
                "rulePriority": 1,
                "description": "Expire untagged images",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": untagged_days
                },
                "action": {"type": "expire"}
            },
            {
                "rulePriority": 2,
                "description": "Keep the newest tagged images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": keep
                },
                "action": {"type": "expire"}
            }
        ]
    })
    .to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn part_sizes_stay_within_ecr_bounds() {
        assert_eq!(part_size(None), MAX_PART);
        assert_eq!(part_size(Some(0)), MAX_PART);
        assert_eq!(part_size(Some(-5)), MAX_PART);
        assert_eq!(part_size(Some(1)), MIN_PART);
        assert_eq!(part_size(Some(1 << 40)), MAX_PART);
        assert_eq!(part_size(Some(6 << 20)), 6 << 20);
    }

    #[test]
    fn lifecycle_policy_matches_the_terraform_module() {
        let p: serde_json::Value = serde_json::from_str(&lifecycle_policy(10, 1)).unwrap();
        assert_eq!(p["rules"][0]["selection"]["tagStatus"], "untagged");
        assert_eq!(p["rules"][0]["selection"]["countNumber"], 1);
        assert_eq!(p["rules"][1]["selection"]["countNumber"], 10);
    }
}
