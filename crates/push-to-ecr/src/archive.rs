//! Reading an image from disk, with no daemon: a `docker save` archive (the classic
//! layout, and the one Docker 25+ writes with an OCI layout inside, both described by
//! its `manifest.json`), or an OCI image layout as a directory or a tar file. A gzipped
//! archive is unpacked to a temporary file first. Nothing here touches the network.

use crate::digest::Digest;
use crate::manifest::{self, Descriptor};
use serde::Deserialize;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The largest JSON document (manifest, index, config) we read into memory.
const MAX_JSON: u64 = 16 << 20;
/// A bound on the entries of an archive: an image has a few hundred at most.
const MAX_ENTRIES: usize = 200_000;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
}

fn invalid(path: &Path, message: impl Into<String>) -> ArchiveError {
    ArchiveError::Invalid {
        path: path.display().to_string(),
        message: message.into(),
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ArchiveError + '_ {
    move |source| ArchiveError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Where a blob's bytes are: a byte range of a file (a tar member or a whole file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub path: PathBuf,
    pub offset: u64,
    pub len: u64,
}

impl Location {
    pub fn open(&self) -> io::Result<io::Take<BufReader<File>>> {
        let mut f = File::open(&self.path)?;
        f.seek(SeekFrom::Start(self.offset))?;
        Ok(BufReader::with_capacity(1 << 20, f).take(self.len))
    }
}

/// The file or directory an image is read from.
#[derive(Debug)]
enum Container {
    Tar {
        path: PathBuf,
        entries: HashMap<String, (u64, u64)>,
    },
    Dir(PathBuf),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    DockerArchive,
    OciLayout,
}

#[derive(Debug)]
pub struct RawLayer {
    pub at: Location,
    /// Declared by an OCI manifest; `None` in a `docker save` archive (sniffed).
    pub media_type: Option<String>,
    /// Declared by an OCI manifest: the bytes must hash to it.
    pub digest: Option<Digest>,
    /// From the image config (`rootfs.diff_ids`): the uncompressed layer must hash to it.
    pub diff_id: Option<Digest>,
}

#[derive(Debug)]
pub struct RawImage {
    pub format: Format,
    pub config: Vec<u8>,
    /// The config's media type when an OCI manifest declares it.
    pub config_media_type: Option<String>,
    pub layers: Vec<RawLayer>,
    /// An OCI layout's own manifest (bytes and type), pushed unchanged when every layer
    /// is already compressed.
    pub manifest: Option<(Vec<u8>, String)>,
    /// Names recorded in the archive (`RepoTags`, `org.opencontainers.image.ref.name`).
    pub names: Vec<String>,
    /// A gzipped archive unpacked here; kept as long as the locations are used.
    pub scratch: Option<tempfile::TempDir>,
}

/// Read the image at `path` (file or directory). `scratch_dir` is where a gzipped
/// archive is unpacked.
pub fn read(path: &Path, scratch_dir: &Path) -> Result<RawImage, ArchiveError> {
    let meta = std::fs::metadata(path).map_err(io_err(path))?;
    let mut scratch = None;
    let container = if meta.is_dir() {
        Container::Dir(path.to_path_buf())
    } else if meta.is_file() {
        let tar_path = if is_gzip(path).map_err(io_err(path))? {
            let dir = tempfile::Builder::new()
                .prefix("push-to-ecr-")
                .tempdir_in(scratch_dir)
                .map_err(io_err(scratch_dir))?;
            let out = dir.path().join("image.tar");
            gunzip(path, &out)?;
            scratch = Some(dir);
            out
        } else {
            path.to_path_buf()
        };
        Container::Tar {
            entries: index_tar(&tar_path)?,
            path: tar_path,
        }
    } else {
        return Err(invalid(
            path,
            "not a regular file or a directory: pass a `docker save` archive or an OCI image layout",
        ));
    };
    let mut image = if container.has("manifest.json") {
        read_docker(path, &container)?
    } else if container.has("index.json") {
        read_oci(path, &container)?
    } else {
        return Err(invalid(
            path,
            "not an image archive: it has neither manifest.json (docker save) nor index.json (OCI image layout)",
        ));
    };
    image.scratch = scratch;
    Ok(image)
}

fn is_gzip(path: &Path) -> io::Result<bool> {
    let mut magic = [0u8; 2];
    let n = File::open(path)?.read(&mut magic)?;
    Ok(n == 2 && magic == [0x1f, 0x8b])
}

fn gunzip(from: &Path, to: &Path) -> Result<(), ArchiveError> {
    let input = File::open(from).map_err(io_err(from))?;
    let mut dec = flate2::read::MultiGzDecoder::new(BufReader::new(input));
    let mut out = File::create(to).map_err(io_err(to))?;
    io::copy(&mut dec, &mut out).map_err(|e| {
        invalid(
            from,
            format!("the gzip stream is corrupt or truncated: {e}"),
        )
    })?;
    Ok(())
}

/// Member name -> (data offset, length). Symbolic and hard links (older `docker save`
/// links repeated layers) resolve to their target's data.
fn index_tar(path: &Path) -> Result<HashMap<String, (u64, u64)>, ArchiveError> {
    let file = File::open(path).map_err(io_err(path))?;
    let file_len = file.metadata().map_err(io_err(path))?.len();
    let mut archive = tar::Archive::new(BufReader::new(file));
    let mut entries = HashMap::new();
    let mut links = Vec::new();
    let corrupt = |e: io::Error| invalid(path, format!("not a readable tar archive: {e}"));
    for entry in archive.entries().map_err(corrupt)? {
        let entry = entry.map_err(corrupt)?;
        if entries.len() + links.len() > MAX_ENTRIES {
            return Err(invalid(
                path,
                format!("more than {MAX_ENTRIES} entries: not an image archive"),
            ));
        }
        let name = normalize(&entry.path().map_err(corrupt)?.to_string_lossy());
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            if let Ok(Some(target)) = entry.link_name() {
                let target = target.to_string_lossy().into_owned();
                let target = if kind.is_symlink() {
                    resolve_relative(&name, &target)
                } else {
                    normalize(&target)
                };
                links.push((name, target));
            }
            continue;
        }
        if !kind.is_file() {
            continue;
        }
        let offset = entry.raw_file_position();
        let len = entry.size();
        if offset.checked_add(len).is_none_or(|end| end > file_len) {
            return Err(invalid(
                path,
                format!("{name} is cut short: the archive is truncated"),
            ));
        }
        entries.insert(name, (offset, len));
    }
    for (name, target) in links {
        if let Some(&v) = entries.get(&target) {
            entries.insert(name, v);
        }
    }
    Ok(entries)
}

fn normalize(name: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in name.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn resolve_relative(name: &str, target: &str) -> String {
    if target.starts_with('/') {
        return normalize(target);
    }
    match name.rsplit_once('/') {
        Some((dir, _)) => normalize(&format!("{dir}/{target}")),
        None => normalize(target),
    }
}

impl Container {
    fn has(&self, name: &str) -> bool {
        match self {
            Container::Tar { entries, .. } => entries.contains_key(name),
            Container::Dir(d) => d.join(name).is_file(),
        }
    }

    fn locate(&self, origin: &Path, name: &str) -> Result<Location, ArchiveError> {
        let name = normalize(name);
        match self {
            Container::Tar { path, entries } => entries
                .get(&name)
                .map(|&(offset, len)| Location {
                    path: path.clone(),
                    offset,
                    len,
                })
                .ok_or_else(|| invalid(origin, format!("{name} is missing from the archive"))),
            Container::Dir(d) => {
                let p = d.join(&name);
                let meta = std::fs::metadata(&p)
                    .map_err(|_| invalid(origin, format!("{name} is missing from the layout")))?;
                if !meta.is_file() {
                    return Err(invalid(origin, format!("{name} is not a regular file")));
                }
                Ok(Location {
                    path: p,
                    offset: 0,
                    len: meta.len(),
                })
            }
        }
    }

    fn read_json(&self, origin: &Path, name: &str) -> Result<Vec<u8>, ArchiveError> {
        let at = self.locate(origin, name)?;
        if at.len > MAX_JSON {
            return Err(invalid(
                origin,
                format!(
                    "{name} is {} bytes, over the {MAX_JSON}-byte limit of an image document",
                    at.len
                ),
            ));
        }
        let mut buf = Vec::with_capacity(at.len as usize);
        at.open()
            .and_then(|mut r| r.read_to_end(&mut buf))
            .map_err(io_err(&at.path))?;
        if (buf.len() as u64) < at.len {
            return Err(invalid(
                origin,
                format!("{name} is cut short: the archive is truncated"),
            ));
        }
        Ok(buf)
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(
    origin: &Path,
    name: &str,
    bytes: &[u8],
) -> Result<T, ArchiveError> {
    serde_json::from_slice(bytes).map_err(|e| invalid(origin, format!("{name} is not valid: {e}")))
}

/// The 64-hex name of a content-addressed file (`<hex>.json`, `blobs/sha256/<hex>`).
fn digest_in_name(name: &str) -> Option<Digest> {
    let stem = name.rsplit('/').next()?.trim_end_matches(".json");
    Digest::parse(&format!("sha256:{stem}")).ok()
}

#[derive(Deserialize)]
struct DiffIds {
    rootfs: RootFs,
}

#[derive(Deserialize)]
struct RootFs {
    diff_ids: Vec<String>,
}

fn diff_ids(origin: &Path, config: &[u8]) -> Result<Vec<Digest>, ArchiveError> {
    let c: DiffIds = parse_json(origin, "the image config", config)?;
    c.rootfs
        .diff_ids
        .iter()
        .map(|d| Digest::parse(d).map_err(|e| invalid(origin, format!("image config: {e}"))))
        .collect()
}

fn read_docker(origin: &Path, c: &Container) -> Result<RawImage, ArchiveError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Entry {
        config: String,
        #[serde(default)]
        repo_tags: Option<Vec<String>>,
        layers: Vec<String>,
    }
    let entries: Vec<Entry> = parse_json(
        origin,
        "manifest.json",
        &c.read_json(origin, "manifest.json")?,
    )?;
    let entry = match entries.len() {
        1 => &entries[0],
        0 => return Err(invalid(origin, "manifest.json lists no image")),
        n => {
            let names: Vec<String> = entries
                .iter()
                .map(|e| e.repo_tags.clone().unwrap_or_default().join(","))
                .collect();
            return Err(invalid(
                origin,
                format!(
                    "the archive holds {n} images ({}): save one image per archive",
                    names.join("; ")
                ),
            ));
        }
    };
    let config = c.read_json(origin, &entry.config)?;
    if let Some(named) = digest_in_name(&entry.config)
        && named != Digest::of(&config)
    {
        return Err(invalid(
            origin,
            format!(
                "{} does not match its digest: the archive is corrupt",
                entry.config
            ),
        ));
    }
    let ids = diff_ids(origin, &config)?;
    if ids.len() != entry.layers.len() {
        return Err(invalid(
            origin,
            format!(
                "the image config lists {} layers but manifest.json {}: the archive is corrupt",
                ids.len(),
                entry.layers.len()
            ),
        ));
    }
    let layers = entry
        .layers
        .iter()
        .zip(ids)
        .map(|(name, diff_id)| {
            Ok(RawLayer {
                at: c.locate(origin, name)?,
                media_type: None,
                digest: None,
                diff_id: Some(diff_id),
            })
        })
        .collect::<Result<_, ArchiveError>>()?;
    Ok(RawImage {
        format: Format::DockerArchive,
        config,
        config_media_type: None,
        layers,
        manifest: None,
        names: entry.repo_tags.clone().unwrap_or_default(),
        scratch: None,
    })
}

fn blob_name(origin: &Path, digest: &str) -> Result<(String, Digest), ArchiveError> {
    let d = Digest::parse(digest).map_err(|e| invalid(origin, e))?;
    Ok((format!("blobs/sha256/{}", d.hex()), d))
}

fn read_oci(origin: &Path, c: &Container) -> Result<RawImage, ArchiveError> {
    #[derive(Deserialize)]
    struct IndexEntry {
        #[serde(rename = "mediaType")]
        media_type: String,
        digest: String,
        #[serde(default)]
        annotations: HashMap<String, String>,
    }
    #[derive(Deserialize)]
    struct Index {
        manifests: Vec<IndexEntry>,
    }
    #[derive(Deserialize)]
    struct Manifest {
        #[serde(rename = "mediaType")]
        media_type: Option<String>,
        config: Descriptor,
        layers: Vec<Descriptor>,
    }
    let index: Index = parse_json(origin, "index.json", &c.read_json(origin, "index.json")?)?;
    let entry = match index.manifests.len() {
        1 => &index.manifests[0],
        0 => return Err(invalid(origin, "index.json lists no image")),
        n => {
            return Err(invalid(
                origin,
                format!("index.json lists {n} images: export one image (one platform) per layout"),
            ));
        }
    };
    if manifest::is_index(&entry.media_type) {
        return Err(invalid(
            origin,
            "the layout holds a multi-platform image index; export a single platform \
             (e.g. `docker save --platform linux/amd64`)",
        ));
    }
    if !manifest::is_image_manifest(&entry.media_type) {
        return Err(invalid(
            origin,
            format!("unsupported manifest type {}", entry.media_type),
        ));
    }
    let (name, digest) = blob_name(origin, &entry.digest)?;
    let bytes = c.read_json(origin, &name)?;
    if Digest::of(&bytes) != digest {
        return Err(invalid(
            origin,
            format!("{name} does not match its digest: the layout is corrupt"),
        ));
    }
    let m: Manifest = parse_json(origin, &name, &bytes)?;
    let media_type = m.media_type.unwrap_or_else(|| entry.media_type.clone());
    let (config_name, config_digest) = blob_name(origin, &m.config.digest)?;
    let config = c.read_json(origin, &config_name)?;
    if Digest::of(&config) != config_digest || config.len() as u64 != m.config.size {
        return Err(invalid(
            origin,
            format!("{config_name} does not match its descriptor: the layout is corrupt"),
        ));
    }
    let layers = m
        .layers
        .iter()
        .map(|l| {
            let (name, digest) = blob_name(origin, &l.digest)?;
            let at = c.locate(origin, &name)?;
            if at.len != l.size {
                return Err(invalid(
                    origin,
                    format!(
                        "{name} is {} bytes but its descriptor says {}: the layout is corrupt",
                        at.len, l.size
                    ),
                ));
            }
            Ok(RawLayer {
                at,
                media_type: Some(l.media_type.clone()),
                digest: Some(digest),
                diff_id: None,
            })
        })
        .collect::<Result<_, ArchiveError>>()?;
    let names = entry
        .annotations
        .get("org.opencontainers.image.ref.name")
        .cloned()
        .into_iter()
        .collect();
    Ok(RawImage {
        format: Format::OciLayout,
        config,
        config_media_type: Some(m.config.media_type),
        layers,
        manifest: Some((bytes, media_type)),
        names,
        scratch: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_and_links_resolve() {
        assert_eq!(normalize("./a//b/./c"), "a/b/c");
        assert_eq!(
            resolve_relative("abc/layer.tar", "../def/layer.tar"),
            "def/layer.tar"
        );
        assert_eq!(resolve_relative("layer.tar", "x/layer.tar"), "x/layer.tar");
        assert_eq!(
            digest_in_name(&format!("blobs/sha256/{}", "a".repeat(64)))
                .map(|d| d.hex().to_string()),
            Some("a".repeat(64))
        );
        assert_eq!(digest_in_name("config.json"), None);
    }

    #[test]
    fn devices_and_missing_paths_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let e = read(Path::new("/dev/zero"), tmp.path()).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let e = read(&tmp.path().join("nope.tar"), tmp.path()).unwrap_err();
        assert!(matches!(e, ArchiveError::Io { .. }), "{e}");
        let e = read(tmp.path(), tmp.path()).unwrap_err();
        assert!(e.to_string().contains("not an image archive"), "{e}");
    }
}
