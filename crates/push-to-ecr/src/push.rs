//! The push, start to end: read and prepare the image (no network), resolve the
//! destination, compare tags, upload the missing blobs, write the manifest under each
//! tag, then report what the repository now stores and costs.

use crate::archive;
use crate::cache::GzipCache;
use crate::digest::Digest;
use crate::ecr::{self, Ecr};
use crate::prepare::{self, Blob, Image};
use crate::registry::{self, Registry};
use crate::report::{Report, Storage, TagOutcome};
use crate::source;
use crate::tags::{self, TagPlan};
use aws_core::output::Output;
use aws_core::{Context, Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Blobs uploaded at once.
const PARALLEL_UPLOADS: usize = 4;
/// Lifecycle defaults of a repository we create: those of modules/ecr.
const DEFAULT_KEEP_IMAGES: u32 = 10;
const UNTAGGED_EXPIRY_DAYS: u32 = 1;

#[derive(Debug, Clone)]
pub enum Source {
    Archive(PathBuf),
    Daemon(String),
    Build(PathBuf),
}

#[derive(Debug, Clone)]
pub enum Destination {
    /// ECR; `None` resolves the environment's repository.
    Ecr(Option<String>),
    Registry {
        target: registry::Target,
        mount_from: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Request {
    pub source: Source,
    pub destination: Destination,
    pub tag: Option<String>,
    pub latest: bool,
    pub create_repo: bool,
    pub dry_run: bool,
    pub options: prepare::Options,
    /// Do not read or record gzip digests of uncompressed layers.
    pub no_cache: bool,
}

enum Dest {
    Ecr(Arc<Ecr>, ecr::Repository),
    /// ECR, repository missing, --dry-run --create-repo.
    EcrMissing(Arc<Ecr>),
    Registry(Registry),
}

impl Dest {
    async fn tags(&self, tags: &[String]) -> Result<BTreeMap<String, Digest>> {
        match self {
            Dest::Ecr(e, _) => e.tags(tags).await,
            Dest::EcrMissing(_) => Ok(BTreeMap::new()),
            Dest::Registry(r) => r.tags(tags).await,
        }
    }

    async fn missing(&self, digests: &[Digest]) -> Result<BTreeSet<Digest>> {
        match self {
            Dest::Ecr(e, _) => e.missing(digests).await,
            Dest::EcrMissing(_) => Ok(digests.iter().cloned().collect()),
            Dest::Registry(r) => r.missing(digests).await,
        }
    }

    fn requests(&self) -> u32 {
        match self {
            Dest::Ecr(e, _) | Dest::EcrMissing(e) => e.api_calls(),
            Dest::Registry(r) => r.api_calls(),
        }
    }
}

/// What `--environment` says about the repository: its name, and whether Terraform
/// owns it (then this tool never creates it).
fn resolve_repository(ctx: &Context, explicit: Option<String>) -> Result<(String, bool)> {
    let named = ctx.repository(explicit.as_deref()).map(|r| {
        let from_project = r.from_project();
        (r.value, from_project)
    });
    named.ok_or_else(|| {
        Error::Config(
            "no repository: pass --repository NAME, set ecr_repository for the environment \
             in fargate.toml, or deploy terraform/global (its ecr_repository_url output)"
                .into(),
        )
    })
}

fn check_repository_name(name: &str) -> Result<()> {
    // Same grammar as modules/ecr's validation.
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.split(['.', '_', '-']).all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
    };
    if name.len() > 256 || !name.split('/').all(component_ok) {
        return Err(Error::Invalid(format!(
            "repository {name:?} is not a valid ECR repository name: lowercase letters and \
             digits, separated by '.', '_', '-' and '/'"
        )));
    }
    Ok(())
}

pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    let started = Instant::now();
    let out = ctx.output();
    if let Some(t) = &req.tag {
        aws_core::text::check_image_tag(t).map_err(Error::Invalid)?;
    }
    let repo = match &req.destination {
        Destination::Ecr(explicit) => {
            let (name, terraform) = resolve_repository(ctx, explicit.clone())?;
            check_repository_name(&name)?;
            Some((name, terraform))
        }
        Destination::Registry { .. } => None,
    };

    // 1. The image, read and prepared before any request.
    let archive = archive_of(ctx, &req, &out)?;
    let (image, mut cache) = prepare_image(ctx, &req, &archive.path).await?;
    if !req.dry_run {
        cache.save();
    }
    let plan = tags::plan(
        req.tag.as_deref(),
        req.latest,
        archive.commit.as_deref(),
        &image.digest,
    );
    tracing::info!(
        "{} {}: {} layers, {} bytes, manifest {} ({})",
        archive.origin,
        archive.path.display(),
        image.layers.len(),
        image.total_bytes(),
        image.digest,
        image.media_type
    );

    // 2. The destination.
    let dest = destination(ctx, &req, repo.as_ref(), &out).await?;

    // 3. Tags: the pinned one may not name another image.
    let wanted = plan.all();
    let existing = dest.tags(&wanted).await?;
    if let Some(other) = existing.get(&plan.pinned)
        && *other != image.digest
    {
        return Err(Error::CheckFailed(format!(
            "tag {} already names image {other}; this image is {}. Pinned tags never move \
             (docs/decisions/0007-image-tags.md): push it under a new --tag",
            plan.pinned, image.digest
        )));
    }
    let up_to_date = wanted
        .iter()
        .all(|t| existing.get(t) == Some(&image.digest));

    // 4. Blobs.
    let blobs = if up_to_date {
        Blobs::all_present(&image)
    } else {
        upload_missing(ctx, &req, &dest, &image, &archive.path, &mut cache).await?
    };

    // 5. Manifests, pinned tag first: `latest` never names an image without one.
    let outcomes = push_tags(&req, &dest, &image, &plan, &existing, &out).await?;

    // 6. What the repository stores and costs (ECR).
    let storage = match &dest {
        Dest::Ecr(e, _) if !req.dry_run => Some(storage_report(ctx, e).await?),
        _ => None,
    };
    let (repository, uri) = match &dest {
        Dest::Ecr(_, r) => (r.name.clone(), r.uri.clone()),
        Dest::EcrMissing(_) => {
            let name = repo.map(|(n, _)| n).unwrap_or_default();
            (name.clone(), name)
        }
        Dest::Registry(r) => (
            r.target().repo.clone(),
            format!("{}/{}", r.target().host, r.target().repo),
        ),
    };
    let report = Report {
        destination: match dest {
            Dest::Registry(_) => "registry",
            _ => "ecr",
        },
        repository,
        image: format!("{uri}@{}", image.digest),
        uri,
        digest: image.digest.clone(),
        media_type: image.media_type.clone(),
        format: image.format,
        tags: outcomes,
        up_to_date,
        dry_run: req.dry_run,
        blobs: image.blobs().count(),
        blobs_present: blobs.present,
        blobs_to_upload: blobs.missing,
        blobs_uploaded: blobs.uploaded,
        blobs_mounted: blobs.mounted,
        bytes_uploaded: blobs.bytes,
        bytes_total: image.total_bytes(),
        layers_compressed: image.compressed_here,
        requests: dest.requests(),
        storage,
        seconds: started.elapsed().as_secs_f64(),
    };
    report.print(&out)
}

/// The image archive to push: given, saved from a daemon, or built; a temporary
/// directory holding it lives as long as this value.
struct ArchiveSource {
    path: PathBuf,
    origin: &'static str,
    /// The clean Git commit of a build context (its tag).
    commit: Option<String>,
    _saved: Option<tempfile::TempDir>,
}

fn archive_of(ctx: &Context, req: &Request, out: &Output) -> Result<ArchiveSource> {
    let temp = || {
        tempfile::tempdir().map_err(|e| Error::Io {
            context: "creating a temporary directory".into(),
            source: e,
        })
    };
    match &req.source {
        Source::Archive(p) => Ok(ArchiveSource {
            path: p.clone(),
            origin: "archive",
            commit: None,
            _saved: None,
        }),
        Source::Daemon(image) => {
            let dir = temp()?;
            let path = dir.path().join("image.tar");
            let spinner =
                aws_core::progress::Spinner::new(format!("saving {image}"), ctx.args.quiet);
            let tool = source::save(image, &path)?;
            spinner.finish();
            out.note(format!("{image}: saved from {tool}"));
            Ok(ArchiveSource {
                path,
                origin: "daemon",
                commit: None,
                _saved: Some(dir),
            })
        }
        Source::Build(context) => {
            // A relative context is found from the current directory, else from the
            // project root (where fargate.toml is), so `--build` works from anywhere in it.
            let context = match ctx.project.as_ref().and_then(|p| p.base_dir()) {
                Some(base) if context.is_relative() && !context.is_dir() => base.join(context),
                _ => context.clone(),
            };
            if !context.is_dir() {
                return Err(Error::Invalid(format!(
                    "build context {} is not a directory",
                    context.display()
                )));
            }
            let commit = source::clean_commit(&context);
            let dir = temp()?;
            let path = dir.path().join("image.tar");
            let tool = source::build(&context, commit.as_deref(), &path)?;
            out.note(format!("built {} with {tool}", context.display()));
            Ok(ArchiveSource {
                path,
                origin: "build",
                commit,
                _saved: Some(dir),
            })
        }
    }
}

/// Read the archive and prepare the image (digests, gzip through the cache), off the
/// async runtime, with a byte bar.
async fn prepare_image(
    ctx: &Context,
    req: &Request,
    archive_path: &Path,
) -> Result<(Image, GzipCache)> {
    let mut cache = match GzipCache::default_path() {
        Some(p) if !req.no_cache => GzipCache::load(&p),
        _ => GzipCache::disabled(),
    };
    let bar = aws_core::progress::byte_bar("preparing", ctx.args.quiet);
    let b = bar.clone();
    let opts = req.options;
    let path = archive_path.to_path_buf();
    let scratch = std::env::temp_dir();
    let prepared = tokio::task::spawn_blocking(move || {
        let raw = archive::read(&path, &scratch)?;
        let total: u64 = raw.layers.iter().map(|l| l.at.len).sum();
        b.set_length(total);
        let image = prepare::prepare(raw, &path, &scratch, opts, &mut cache, &|n| b.inc(n))?;
        Ok::<_, archive::ArchiveError>((image, cache))
    })
    .await
    .map_err(|e| Error::Failed(format!("preparing the image: {e}")))?;
    bar.finish_and_clear();
    prepared.map_err(|e| Error::Invalid(e.to_string()))
}

/// The ECR repository (created with `--create-repo`, never when Terraform owns it) or
/// the registry, reachable.
async fn destination(
    ctx: &Context,
    req: &Request,
    repo: Option<&(String, bool)>,
    out: &Output,
) -> Result<Dest> {
    let (name, terraform) = match (&req.destination, repo) {
        (Destination::Ecr(_), Some((name, terraform))) => (name, *terraform),
        (Destination::Registry { target, mount_from }, _) => {
            let credentials = registry_credentials()?;
            let r = Registry::new(target.clone(), credentials, mount_from.clone())?;
            r.ping().await?;
            return Ok(Dest::Registry(r));
        }
        _ => return Err(Error::Failed("no destination".into())),
    };
    let ecr = Arc::new(Ecr::new(ctx.session().await?, name));
    let missing = |hint: &str| Error::NotFound {
        what: format!("ECR repository {name}"),
        hint: Some(hint.into()),
    };
    match ecr.repository().await? {
        Some(r) => Ok(Dest::Ecr(ecr, r)),
        None if terraform => Err(missing(
            "Terraform creates it (terraform/global): run `deploy --environment global` first",
        )),
        None if !req.create_repo => Err(missing(
            "pass --create-repo to create it (scan on push, a lifecycle policy), \
             or manage it with terraform/modules/ecr",
        )),
        None if req.dry_run => {
            out.note(format!("would create ECR repository {name} (--dry-run)"));
            Ok(Dest::EcrMissing(ecr))
        }
        None => {
            let keep = ctx
                .environment_config()
                .and_then(|e| e.ecr_keep_images)
                .unwrap_or(DEFAULT_KEEP_IMAGES);
            let r = ecr.create(keep, UNTAGGED_EXPIRY_DAYS).await?;
            out.note(format!(
                "created ECR repository {name}: scan on push, untagged images expire after \
                 {UNTAGGED_EXPIRY_DAYS} day, the newest {keep} tagged images kept"
            ));
            Ok(Dest::Ecr(ecr, r))
        }
    }
}

/// What the blob phase found and did.
struct Blobs {
    present: usize,
    missing: usize,
    uploaded: usize,
    mounted: usize,
    bytes: u64,
}

impl Blobs {
    fn all_present(image: &Image) -> Blobs {
        Blobs {
            present: image.blobs().count(),
            missing: 0,
            uploaded: 0,
            mounted: 0,
            bytes: 0,
        }
    }
}

/// Ask which blobs the destination lacks and upload them (not with --dry-run);
/// layers the cache named without compressing are compressed first.
async fn upload_missing(
    ctx: &Context,
    req: &Request,
    dest: &Dest,
    image: &Image,
    archive_path: &Path,
    cache: &mut GzipCache,
) -> Result<Blobs> {
    let digests: Vec<Digest> = image.blobs().map(|b| b.digest.clone()).collect();
    let missing = dest.missing(&digests).await?;
    let mut blobs = Blobs {
        present: digests.len() - missing.len(),
        missing: missing.len(),
        ..Blobs::all_present(image)
    };
    if req.dry_run {
        return Ok(blobs);
    }
    let todo: Vec<Blob> = image
        .blobs()
        .filter(|b| missing.contains(&b.digest))
        .cloned()
        .collect();
    let (list, opts, path) = (todo.clone(), req.options, archive_path.to_path_buf());
    let mut owned = std::mem::replace(cache, GzipCache::disabled());
    let (made, back) = tokio::task::spawn_blocking(move || {
        let r = prepare::materialize(&list, &path, opts, &mut owned);
        (r, owned)
    })
    .await
    .map_err(|e| Error::Failed(format!("compressing layers: {e}")))?;
    *cache = back;
    cache.save();
    made.map_err(|e| Error::Invalid(e.to_string()))?;
    let done = upload_all(dest, todo, ctx.args.quiet).await;
    blobs.uploaded = done.uploaded.len();
    blobs.mounted = done.mounted;
    blobs.bytes = done.bytes;
    match done.error {
        Some(e) => Err(partial_failure(e, &done.uploaded, missing.len())),
        None => Ok(blobs),
    }
}

/// Put the manifest under each wanted tag, pinned first; a moving tag is never forced
/// on an IMMUTABLE repository.
async fn push_tags(
    req: &Request,
    dest: &Dest,
    image: &Image,
    plan: &TagPlan,
    existing: &BTreeMap<String, Digest>,
    out: &Output,
) -> Result<Vec<(String, TagOutcome)>> {
    let mutability = match dest {
        Dest::Ecr(_, r) => r.mutability.clone(),
        _ => "MUTABLE".into(),
    };
    let mut outcomes = Vec::new();
    for tag in plan.all() {
        let moving = Some(&tag) == plan.moving.as_ref();
        let outcome = if existing.get(&tag) == Some(&image.digest) {
            TagOutcome::Unchanged
        } else if req.dry_run {
            TagOutcome::WouldPush
        } else if moving && mutability == "IMMUTABLE" {
            out.warn(format!(
                "not moving {tag}: the repository's tags are IMMUTABLE; deploy by digest or by {}",
                plan.pinned
            ));
            TagOutcome::Refused
        } else if moving {
            put(dest, &tag, image, moving, plan, out).await?
        } else {
            put_pinned(dest, &tag, image, plan, out).await?
        };
        outcomes.push((tag, outcome));
    }
    Ok(outcomes)
}

/// The pinned tag, act-then-verify: read it again just before PutImage (another push
/// may have taken it while the blobs uploaded), and after (a push racing this one may
/// have moved it). A tag that names another image is exit 8 with both digests; only
/// an IMMUTABLE repository makes the race impossible (ECR refuses the second put).
async fn put_pinned(
    dest: &Dest,
    tag: &str,
    image: &Image,
    plan: &TagPlan,
    out: &aws_core::output::Output,
) -> Result<TagOutcome> {
    let taken = |other: &Digest, when: &str| {
        Error::CheckFailed(format!(
            "tag {tag} names image {other}, pushed by another run {when}; this image is {}. \
             Pinned tags never move (docs/decisions/0007-image-tags.md): push it under a new --tag",
            image.digest
        ))
    };
    let one = [tag.to_string()];
    if let Some(other) = dest.tags(&one).await?.get(tag)
        && *other != image.digest
    {
        return Err(taken(other, "while this one uploaded"));
    }
    let outcome = put(dest, tag, image, false, plan, out).await?;
    match dest.tags(&one).await?.get(tag) {
        Some(now) if *now != image.digest => Err(taken(now, "at the same time as this one")),
        _ => Ok(outcome),
    }
}

async fn put(
    dest: &Dest,
    tag: &str,
    image: &Image,
    moving: bool,
    plan: &TagPlan,
    out: &aws_core::output::Output,
) -> Result<TagOutcome> {
    match dest {
        Dest::Ecr(e, _) => match e
            .put(tag, &image.manifest, &image.media_type, &image.digest)
            .await?
        {
            ecr::Put::Created => Ok(TagOutcome::Pushed),
            ecr::Put::Unchanged => Ok(TagOutcome::Unchanged),
            ecr::Put::TagImmutable if moving => {
                out.warn(format!(
                    "ECR refused to move {tag} (an immutable tag); deploy by digest or by {}",
                    plan.pinned
                ));
                Ok(TagOutcome::Refused)
            }
            ecr::Put::TagImmutable => Err(Error::CheckFailed(format!(
                "tag {tag} was pushed by someone else while this push ran (immutable); this image is {}",
                image.digest
            ))),
        },
        Dest::Registry(r) => {
            r.put(tag, &image.manifest, &image.media_type, &image.digest)
                .await?;
            Ok(TagOutcome::Pushed)
        }
        Dest::EcrMissing(_) => Ok(TagOutcome::WouldPush),
    }
}

fn registry_credentials() -> Result<Option<(String, String)>> {
    let user = std::env::var("REGISTRY_USERNAME")
        .ok()
        .filter(|u| !u.is_empty());
    let pass = std::env::var("REGISTRY_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    match (user, pass) {
        (Some(u), Some(p)) => {
            if u.chars().chain(p.chars()).any(char::is_control) || u.contains(':') {
                return Err(Error::Config(
                    "REGISTRY_USERNAME / REGISTRY_PASSWORD contain a control character (or the user a ':')".into(),
                ));
            }
            Ok(Some((u, p)))
        }
        (None, None) => Ok(None),
        _ => Err(Error::Config(
            "set both REGISTRY_USERNAME and REGISTRY_PASSWORD, or neither".into(),
        )),
    }
}

struct Uploads {
    uploaded: Vec<Digest>,
    mounted: usize,
    bytes: u64,
    error: Option<Error>,
}

/// Upload `todo`, a few at a time; stop starting new ones at the first failure.
async fn upload_all(dest: &Dest, todo: Vec<Blob>, quiet: bool) -> Uploads {
    let total: u64 = todo.iter().map(|b| b.size).sum();
    let bar = aws_core::progress::byte_bar("uploading", quiet);
    bar.set_length(total);
    let sent = Arc::new(AtomicU64::new(0));
    let mut result = Uploads {
        uploaded: Vec::new(),
        mounted: 0,
        bytes: 0,
        error: None,
    };
    let mut set = tokio::task::JoinSet::new();
    let mut queue = todo.into_iter();
    loop {
        while set.len() < PARALLEL_UPLOADS && result.error.is_none() {
            let Some(blob) = queue.next() else { break };
            let b = bar.clone();
            let counter = sent.clone();
            let on_bytes: Arc<dyn Fn(u64) + Send + Sync> = Arc::new(move |n| {
                b.inc(n);
                counter.fetch_add(n, Ordering::Relaxed);
            });
            match dest {
                Dest::Ecr(e, _) | Dest::EcrMissing(e) => {
                    let e = e.clone();
                    set.spawn(async move {
                        let r = e.upload(&blob, &*on_bytes).await;
                        (blob, r.map(|()| false))
                    });
                }
                Dest::Registry(r) => {
                    let r = r.clone();
                    set.spawn(async move {
                        let res = match r.mount(&blob).await {
                            Ok(true) => Ok(true),
                            Ok(false) => r.upload(&blob, on_bytes).await.map(|()| false),
                            Err(e) => Err(e),
                        };
                        (blob, res)
                    });
                }
            }
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        match joined {
            Ok((blob, Ok(was_mounted))) => {
                tracing::info!(
                    "{} {} ({} bytes)",
                    if was_mounted { "mounted" } else { "uploaded" },
                    blob.digest,
                    blob.size
                );
                if was_mounted {
                    result.mounted += 1;
                }
                result.uploaded.push(blob.digest);
            }
            Ok((_, Err(e))) => {
                if result.error.is_none() {
                    result.error = Some(e);
                }
            }
            Err(e) => {
                if result.error.is_none() {
                    result.error = Some(Error::Failed(format!("an upload task failed: {e}")));
                }
            }
        }
    }
    bar.finish_and_clear();
    result.bytes = sent.load(Ordering::Relaxed);
    result
}

/// The error of a failed upload, with which blobs did make it (they are not sent again).
fn partial_failure(e: Error, uploaded: &[Digest], missing: usize) -> Error {
    if uploaded.is_empty() {
        return e;
    }
    let list: Vec<&str> = uploaded.iter().map(Digest::short).collect();
    let note = format!(
        "{} of {missing} missing blobs were uploaded before the failure ({}); a re-run skips them",
        uploaded.len(),
        list.join(", ")
    );
    match e {
        Error::Failed(m) => Error::Failed(format!("{m}; {note}")),
        other => {
            tracing::warn!("{note}");
            other
        }
    }
}

async fn storage_report(ctx: &Context, ecr: &Ecr) -> Result<Storage> {
    let stored = ecr.stored().await?;
    let lifecycle = ecr.has_lifecycle_policy().await?;
    // The session's region, where the storage is: a region from the profile counts.
    let region = ctx.session().await?.region();
    Ok(Storage::priced(stored, lifecycle, region))
}
