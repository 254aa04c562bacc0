//! From what is on disk to what is pushed: every blob's digest computed and checked,
//! uncompressed layers gzipped (deterministically, so the same image gives the same
//! digests on every run), and the manifest built or kept byte-exact. All of it happens
//! before the first request, so a corrupt archive pushes nothing.

use crate::archive::{ArchiveError, Format, Location, RawImage, RawLayer};
use crate::cache::{Entry, GzipCache};
use crate::digest::{Digest, Hashing};
use crate::manifest;
use std::io::{self, BufRead, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A blob as pushed: content digest, size and media type, and where its bytes are.
#[derive(Debug, Clone)]
pub struct Blob {
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
    pub data: Data,
}

#[derive(Debug, Clone)]
pub enum Data {
    Memory(Arc<Vec<u8>>),
    File(Location),
    /// An uncompressed layer whose gzip digest the cache knows: compressed only if it
    /// has to be uploaded ([`materialize`]).
    Deferred(Arc<Deferred>),
}

#[derive(Debug)]
pub struct Deferred {
    raw: Location,
    out: PathBuf,
    layer: usize,
    level: u32,
    diff_id: Digest,
    digest: Digest,
    size: u64,
    done: Mutex<bool>,
}

impl Data {
    /// Bytes `[offset, offset + len)` of the blob.
    pub fn read_range(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        match self {
            Data::Deferred(d) => {
                if !d.done.lock().is_ok_and(|g| *g) {
                    return Err(io::Error::other(
                        "internal: a layer was read before it was compressed",
                    ));
                }
                Data::File(Location {
                    path: d.out.clone(),
                    offset: 0,
                    len: d.size,
                })
                .read_range(offset, len)
            }
            Data::Memory(b) => {
                let start = usize::try_from(offset).unwrap_or(usize::MAX).min(b.len());
                let end = start.saturating_add(len).min(b.len());
                Ok(b[start..end].to_vec())
            }
            Data::File(at) => {
                let mut part = Location {
                    path: at.path.clone(),
                    offset: at.offset + offset,
                    len: (len as u64).min(at.len.saturating_sub(offset)),
                };
                let mut buf = Vec::with_capacity(part.len as usize);
                part.open()?.read_to_end(&mut buf)?;
                if (buf.len() as u64) < part.len {
                    part.len = buf.len() as u64;
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("{} changed while it was pushed", part.path.display()),
                    ));
                }
                Ok(buf)
            }
        }
    }
}

#[derive(Debug)]
pub struct Image {
    pub format: Format,
    pub manifest: Vec<u8>,
    pub media_type: String,
    pub digest: Digest,
    pub config: Blob,
    pub layers: Vec<Blob>,
    pub names: Vec<String>,
    /// Layers gzipped by us (the others were pushed as they came).
    pub compressed_here: usize,
    _scratch: Vec<tempfile::TempDir>,
}

impl Image {
    /// Config first, then layers: the order a registry needs them in before the manifest.
    pub fn blobs(&self) -> impl Iterator<Item = &Blob> {
        std::iter::once(&self.config).chain(&self.layers)
    }

    pub fn total_bytes(&self) -> u64 {
        self.blobs().map(|b| b.size).sum::<u64>() + self.manifest.len() as u64
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// gzip level 1-9 for layers that arrive uncompressed.
    pub gzip_level: u32,
    /// Layers compressed at once (one thread each).
    pub workers: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            gzip_level: 6,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tar,
    Gzip,
    Zstd,
}

fn sniff(head: &[u8], declared: Option<&str>) -> Kind {
    match declared {
        Some(t) if manifest::is_uncompressed_layer(t) => Kind::Tar,
        Some(t) if t.ends_with("+zstd") => Kind::Zstd,
        Some(t) if t.ends_with("gzip") => Kind::Gzip,
        _ if head.starts_with(&[0x1f, 0x8b]) => Kind::Gzip,
        _ if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) => Kind::Zstd,
        _ => Kind::Tar,
    }
}

/// Make `raw` pushable. `progress` is told how many bytes were read, as they are.
pub fn prepare(
    raw: RawImage,
    origin: &Path,
    scratch_dir: &Path,
    opts: Options,
    cache: &mut GzipCache,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Image, ArchiveError> {
    let spool = tempfile::Builder::new()
        .prefix("push-to-ecr-")
        .tempdir_in(scratch_dir)
        .map_err(|source| ArchiveError::Io {
            path: scratch_dir.display().to_string(),
            source,
        })?;
    // A manifest that we rebuild or rewrite says Docker v2 unless it was OCI already.
    let manifest_type = match &raw.manifest {
        Some((_, t)) => t.clone(),
        None => manifest::DOCKER_MANIFEST.to_string(),
    };
    let layers = prepare_layers(
        &raw.layers,
        origin,
        spool.path(),
        &manifest_type,
        opts,
        cache,
        progress,
    )?;
    let compressed_here = layers.iter().filter(|l| l.gzipped).count();
    for l in &layers {
        if let (Some(id), Data::File(_), true) = (&l.diff_id, &l.blob.data, l.gzipped) {
            cache.put(
                id,
                opts.gzip_level,
                Entry {
                    digest: l.blob.digest.clone(),
                    size: l.blob.size,
                },
            );
        }
    }
    let layers: Vec<Blob> = layers.into_iter().map(|l| l.blob).collect();
    let config_digest = Digest::of(&raw.config);
    let config_size = raw.config.len() as u64;
    let (manifest_bytes, media_type) = match raw.manifest {
        Some((bytes, t)) if compressed_here == 0 => (bytes, t),
        Some((bytes, t)) => (rewrite(&bytes, &layers).map_err(|m| invalid(origin, m))?, t),
        None => {
            let descriptors: Vec<_> = layers
                .iter()
                .map(|l| manifest::Descriptor {
                    media_type: l.media_type.clone(),
                    digest: l.digest.to_string(),
                    size: l.size,
                })
                .collect();
            let (b, t) = manifest::build((&config_digest, config_size), &descriptors);
            (b, t.to_string())
        }
    };
    let config_type = raw.config_media_type.unwrap_or_else(|| {
        if media_type == manifest::OCI_MANIFEST {
            manifest::OCI_CONFIG.into()
        } else {
            manifest::DOCKER_CONFIG.into()
        }
    });
    let mut scratch = vec![spool];
    scratch.extend(raw.scratch);
    Ok(Image {
        format: raw.format,
        digest: Digest::of(&manifest_bytes),
        manifest: manifest_bytes,
        media_type,
        config: Blob {
            digest: config_digest,
            size: config_size,
            media_type: config_type,
            data: Data::Memory(Arc::new(raw.config)),
        },
        layers,
        names: raw.names,
        compressed_here,
        _scratch: scratch,
    })
}

fn invalid(origin: &Path, message: impl Into<String>) -> ArchiveError {
    ArchiveError::Invalid {
        path: origin.display().to_string(),
        message: message.into(),
    }
}

/// An OCI manifest with some layers now gzipped: descriptors updated, the rest kept.
fn rewrite(bytes: &[u8], layers: &[Blob]) -> Result<Vec<u8>, String> {
    let mut v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("manifest: {e}"))?;
    let Some(list) = v.get_mut("layers").and_then(|l| l.as_array_mut()) else {
        return Err("manifest has no layers".into());
    };
    for (d, blob) in list.iter_mut().zip(layers) {
        d["mediaType"] = blob.media_type.clone().into();
        d["digest"] = blob.digest.to_string().into();
        d["size"] = blob.size.into();
    }
    serde_json::to_vec(&v).map_err(|e| e.to_string())
}

/// A layer as pushed, whether we gzip it, and its uncompressed digest when known.
#[derive(Debug)]
struct Prepared {
    blob: Blob,
    gzipped: bool,
    diff_id: Option<Digest>,
}

/// Each layer on its own thread (up to `opts.workers`); results in layer order.
fn prepare_layers(
    layers: &[RawLayer],
    origin: &Path,
    spool: &Path,
    manifest_type: &str,
    opts: Options,
    cache: &GzipCache,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Prepared>, ArchiveError> {
    let results = in_parallel(layers.len(), opts.workers, true, |i| {
        let out = spool.join(format!("layer-{i}.gz"));
        layer(
            &layers[i],
            i,
            origin,
            &out,
            manifest_type,
            opts,
            cache,
            progress,
        )
    });
    let mut out = Vec::with_capacity(layers.len());
    for r in results.into_iter().flatten() {
        out.push(r?);
    }
    if out.len() != layers.len() {
        return Err(invalid(origin, "a layer could not be read"));
    }
    Ok(out)
}

const CHUNK: usize = 1 << 20;

/// Read all of `at` through `sink`, failing on a short read (a truncated archive).
fn pump(
    at: &Location,
    origin: &Path,
    n: usize,
    progress: &(dyn Fn(u64) + Sync),
    mut sink: impl FnMut(&[u8]) -> io::Result<()>,
) -> Result<(), ArchiveError> {
    let mut r = at.open().map_err(|source| ArchiveError::Io {
        path: at.path.display().to_string(),
        source,
    })?;
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let k = r.read(&mut buf).map_err(|source| ArchiveError::Io {
            path: at.path.display().to_string(),
            source,
        })?;
        if k == 0 {
            break;
        }
        sink(&buf[..k]).map_err(|e| invalid(origin, format!("layer {n}: {e}")))?;
        total += k as u64;
        progress(k as u64);
    }
    if total != at.len {
        return Err(invalid(
            origin,
            format!("layer {n} is cut short: the archive is truncated"),
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn layer(
    raw: &RawLayer,
    i: usize,
    origin: &Path,
    out: &Path,
    manifest_type: &str,
    opts: Options,
    cache: &GzipCache,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Prepared, ArchiveError> {
    let n = i + 1;
    let head = {
        let mut r = raw.at.open().map_err(|source| ArchiveError::Io {
            path: raw.at.path.display().to_string(),
            source,
        })?;
        r.fill_buf().map(<[u8]>::to_vec).unwrap_or_default()
    };
    let kind = sniff(&head, raw.media_type.as_deref());
    let mismatch = |what: &str, want: &Digest, got: &Digest| {
        invalid(
            origin,
            format!(
                "layer {n}: its {what} is {got} but the image says {want}: the archive is corrupt"
            ),
        )
    };
    match kind {
        Kind::Tar => {
            let level = opts.gzip_level.clamp(1, 9);
            let media_type = manifest::gzip_layer_type(manifest_type).to_string();
            // The uncompressed digest is the diff_id (docker save), or the declared
            // digest of an uncompressed OCI layer.
            let want = raw.diff_id.as_ref().or(raw.digest.as_ref());
            if let Some(id) = want
                && let Some(hit) = cache.get(id, level)
            {
                progress(raw.at.len);
                return Ok(Prepared {
                    blob: Blob {
                        digest: hit.digest.clone(),
                        size: hit.size,
                        media_type,
                        data: Data::Deferred(Arc::new(Deferred {
                            raw: raw.at.clone(),
                            out: out.to_path_buf(),
                            layer: n,
                            level,
                            diff_id: id.clone(),
                            digest: hit.digest.clone(),
                            size: hit.size,
                            done: Mutex::new(false),
                        })),
                    },
                    gzipped: true,
                    diff_id: Some(id.clone()),
                });
            }
            let (digest, size, uncompressed) = gzip_to(&raw.at, origin, n, out, level, progress)?;
            if let Some(want) = want
                && *want != uncompressed
            {
                return Err(mismatch("content digest", want, &uncompressed));
            }
            Ok(Prepared {
                blob: Blob {
                    digest,
                    size,
                    media_type,
                    data: Data::File(Location {
                        path: out.to_path_buf(),
                        offset: 0,
                        len: size,
                    }),
                },
                gzipped: true,
                diff_id: Some(uncompressed),
            })
        }
        Kind::Gzip | Kind::Zstd => {
            let mut h = Hashing::new(io::sink());
            pump(&raw.at, origin, n, progress, |b| h.write_all(b))?;
            let (_, digest, size) = h.finish();
            if let Some(want) = &raw.digest
                && *want != digest
            {
                return Err(mismatch("digest", want, &digest));
            }
            if kind == Kind::Gzip
                && let Some(want) = &raw.diff_id
            {
                let got = gunzip_digest(&raw.at).map_err(|e| {
                    invalid(origin, format!("layer {n} is not a valid gzip stream: {e}"))
                })?;
                if *want != got {
                    return Err(mismatch("uncompressed digest", want, &got));
                }
            }
            let media_type = raw.media_type.clone().unwrap_or_else(|| match kind {
                Kind::Zstd => manifest::OCI_LAYER_ZSTD.into(),
                _ => manifest::gzip_layer_type(manifest_type).into(),
            });
            Ok(Prepared {
                blob: Blob {
                    digest,
                    size,
                    media_type,
                    data: Data::File(raw.at.clone()),
                },
                gzipped: false,
                diff_id: None,
            })
        }
    }
}

/// gzip `at` into `out` (no timestamp: the same bytes every run): the compressed
/// digest and size, and the digest of the uncompressed bytes.
fn gzip_to(
    at: &Location,
    origin: &Path,
    n: usize,
    out: &Path,
    level: u32,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(Digest, u64, Digest), ArchiveError> {
    let io_out = |source| ArchiveError::Io {
        path: out.display().to_string(),
        source,
    };
    let file = std::fs::File::create(out).map_err(io_out)?;
    let hashed = Hashing::new(BufWriter::with_capacity(CHUNK, file));
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(hashed, flate2::Compression::new(level));
    let mut plain = Hashing::new(io::sink());
    pump(at, origin, n, progress, |b| {
        plain.write_all(b)?;
        gz.write_all(b)
    })?;
    let (mut w, digest, size) = gz.finish().map_err(io_out)?.finish();
    w.flush().map_err(io_out)?;
    let (_, uncompressed, _) = plain.finish();
    Ok((digest, size, uncompressed))
}

/// Compress the deferred layers among `blobs` that must be uploaded, checking each
/// against the digests the cache promised. A stale entry is dropped from `cache`.
pub fn materialize(
    blobs: &[Blob],
    origin: &Path,
    opts: Options,
    cache: &mut GzipCache,
) -> Result<(), ArchiveError> {
    let todo: Vec<&Arc<Deferred>> = blobs
        .iter()
        .filter_map(|b| match &b.data {
            Data::Deferred(d) if !d.done.lock().is_ok_and(|g| *g) => Some(d),
            _ => None,
        })
        .collect();
    let stale = Mutex::new(Vec::new());
    // Every layer is tried, so that one run drops every stale entry.
    let results = in_parallel(todo.len(), opts.workers, false, |i| {
        let d = todo[i];
        let (digest, size, plain) = gzip_to(&d.raw, origin, d.layer, &d.out, d.level, &|_| {})?;
        if plain != d.diff_id {
            return Err(invalid(
                origin,
                format!(
                    "layer {}: its content digest is {plain} but the image says {}: \
                     the archive is corrupt",
                    d.layer, d.diff_id
                ),
            ));
        }
        if digest != d.digest || size != d.size {
            if let Ok(mut v) = stale.lock() {
                v.push(d.diff_id.clone());
            }
            return Err(invalid(
                origin,
                format!(
                    "layer {}: gzip now gives {digest}, not {} as recorded in the \
                     cache; the entry is dropped: run the push again",
                    d.layer, d.digest
                ),
            ));
        }
        if let Ok(mut g) = d.done.lock() {
            *g = true;
        }
        Ok(())
    });
    for id in stale.into_inner().unwrap_or_default() {
        cache.remove(&id, opts.gzip_level);
    }
    results.into_iter().flatten().collect()
}

/// `f(0..n)` on up to `workers` threads; results in index order. With
/// `stop_at_first_error`, items not yet started after a failure are not run (`None`).
fn in_parallel<T: Send>(
    n: usize,
    workers: usize,
    stop_at_first_error: bool,
    f: impl Fn(usize) -> Result<T, ArchiveError> + Sync,
) -> Vec<Option<Result<T, ArchiveError>>> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<Result<T, ArchiveError>>>> =
        (0..n).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, n.max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n || (stop_at_first_error && failed.load(Ordering::Relaxed)) {
                        break;
                    }
                    let r = f(i);
                    if r.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| m.into_inner().ok().flatten())
        .collect()
}

fn gunzip_digest(at: &Location) -> io::Result<Digest> {
    let mut dec = flate2::read::GzDecoder::new(at.open()?);
    let mut h = Hashing::new(io::sink());
    io::copy(&mut dec, &mut h)?;
    Ok(h.finish().1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sniffing_prefers_the_declared_type() {
        assert_eq!(sniff(&[0x1f, 0x8b], None), Kind::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd], None), Kind::Zstd);
        assert_eq!(sniff(b"usr/", None), Kind::Tar);
        assert_eq!(
            sniff(&[0x1f, 0x8b], Some(manifest::OCI_LAYER_TAR)),
            Kind::Tar
        );
        assert_eq!(sniff(b"", Some(manifest::OCI_LAYER_GZIP)), Kind::Gzip);
    }

    #[test]
    fn memory_ranges_are_clamped() {
        let d = Data::Memory(Arc::new(b"abcdef".to_vec()));
        assert_eq!(d.read_range(2, 3).unwrap(), b"cde");
        assert_eq!(d.read_range(4, 10).unwrap(), b"ef");
        assert_eq!(d.read_range(10, 10).unwrap(), b"");
    }
}
