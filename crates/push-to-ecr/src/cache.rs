//! What gzip made of each uncompressed layer before (its diff_id and level -> the
//! compressed digest and size), so that pushing an image whose layers the registry has
//! needs neither compressing nor hashing them again (Docker and skopeo keep the same
//! kind of record). An entry is only trusted to name blobs: a blob that must be
//! uploaded is compressed again and checked against it.
//!
//! One JSON file in the user's private cache directory (0700, read only when it is the
//! user's own and not writable by others); unreadable or oversized means empty, and it
//! is replaced atomically, so concurrent runs cost at most a lost entry. Each entry is
//! sealed with a key only this user can read (an HMAC-like SHA-256 over the entry):
//! an entry that does not verify, planted or corrupt, is dropped, never pushed.

use crate::digest::Digest;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The compressor and its version line: entries of another compressor never match.
const COMPRESSOR: &str = "flate2-zlib-rs-1";
/// Entries kept; past that the file starts over.
const MAX_ENTRIES: usize = 4096;
const MAX_FILE: u64 = 4 << 20;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub digest: Digest,
    pub size: u64,
}

/// An entry as the file stores it: the entry and its seal.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Sealed {
    digest: Digest,
    size: u64,
    seal: String,
}

#[derive(Debug, Default)]
pub struct GzipCache {
    path: Option<PathBuf>,
    /// The sealing key (32 random bytes in a 0600 file beside the cache).
    key: Vec<u8>,
    entries: BTreeMap<String, Entry>,
    /// Changed since it was read: only then is the file written.
    dirty: bool,
}

fn key(diff_id: &Digest, level: u32) -> String {
    format!("{COMPRESSOR}/{level}/{diff_id}")
}

impl GzipCache {
    /// `$XDG_CACHE_HOME/fargate-free-tier/push-to-ecr/gzip.json`, else under `~/.cache`;
    /// `None` when that directory cannot be private.
    pub fn default_path() -> Option<PathBuf> {
        Some(aws_core::fs::private_cache_dir("push-to-ecr")?.join("gzip.json"))
    }

    pub fn disabled() -> GzipCache {
        GzipCache::default()
    }

    pub fn load(path: &Path) -> GzipCache {
        let Some(key) = key_beside(path) else {
            return GzipCache::disabled();
        };
        let stored: BTreeMap<String, Sealed> = aws_core::fs::read_trusted(path, MAX_FILE)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let total = stored.len();
        let entries: BTreeMap<String, Entry> = stored
            .into_iter()
            .filter(|(k, e)| seal(&key, k, &e.digest, e.size) == e.seal)
            .map(|(k, e)| {
                (
                    k,
                    Entry {
                        digest: e.digest,
                        size: e.size,
                    },
                )
            })
            .collect();
        if entries.len() < total {
            tracing::warn!(
                "{} of {total} gzip cache entries in {} do not verify: dropped",
                total - entries.len(),
                path.display()
            );
        }
        GzipCache {
            path: Some(path.to_path_buf()),
            key,
            dirty: entries.len() < total,
            entries,
        }
    }

    pub fn get(&self, diff_id: &Digest, level: u32) -> Option<&Entry> {
        self.entries.get(&key(diff_id, level))
    }

    pub fn put(&mut self, diff_id: &Digest, level: u32, entry: Entry) {
        let k = key(diff_id, level);
        if self.entries.get(&k) == Some(&entry) {
            return;
        }
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.clear();
        }
        self.entries.insert(k, entry);
        self.dirty = true;
    }

    pub fn remove(&mut self, diff_id: &Digest, level: u32) {
        self.dirty |= self.entries.remove(&key(diff_id, level)).is_some();
    }

    /// Write the file (atomically, 0600) when something changed. Failing to is not
    /// an error: the cache only saves time.
    pub fn save(&mut self) {
        let Some(path) = &self.path else { return };
        if !self.dirty {
            return;
        }
        let sealed: BTreeMap<&String, Sealed> = self
            .entries
            .iter()
            .map(|(k, e)| {
                (
                    k,
                    Sealed {
                        digest: e.digest.clone(),
                        size: e.size,
                        seal: seal(&self.key, k, &e.digest, e.size),
                    },
                )
            })
            .collect();
        let written = serde_json::to_vec(&sealed)
            .map_err(|e| aws_core::Error::Failed(e.to_string()))
            .and_then(|bytes| {
                aws_core::fs::write_atomic(
                    path,
                    &bytes,
                    "the gzip cache",
                    aws_core::fs::Perm::Private,
                    aws_core::fs::Special::Refuse,
                )
            });
        match written {
            Ok(()) => self.dirty = false,
            Err(e) => tracing::debug!("not saving {}: {e}", path.display()),
        }
    }
}

/// SHA-256 over key, entry key, digest and size: without the key no entry verifies.
fn seal(key: &[u8], k: &str, digest: &Digest, size: u64) -> String {
    let mut h = Sha256::new();
    h.update(key);
    h.update(k.as_bytes());
    h.update(b"\0");
    h.update(digest.to_string().as_bytes());
    h.update(b"\0");
    h.update(size.to_le_bytes());
    h.update(key);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The sealing key in `KEY` beside the cache file, made on first use from the
/// system's random source; `None` (no cache) when it cannot be read or made private.
fn key_beside(path: &Path) -> Option<Vec<u8>> {
    let key_path = path.with_extension("key");
    if let Some(k) = aws_core::fs::read_trusted(&key_path, 64).filter(|k| k.len() == 32) {
        return Some(k);
    }
    let mut key = vec![0u8; 32];
    std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom").ok()?, &mut key).ok()?;
    aws_core::fs::write_atomic(
        &key_path,
        &key,
        "the gzip cache key",
        aws_core::fs::Perm::Private,
        aws_core::fs::Special::Refuse,
    )
    .ok()?;
    Some(key)
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Digest::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cache.json");
        let mut c = GzipCache::load(&p);
        let id = Digest::of(b"layer");
        let e = Entry {
            digest: Digest::of(b"gz"),
            size: 9,
        };
        c.put(&id, 6, e.clone());
        c.save();
        let c = GzipCache::load(&p);
        assert_eq!(c.get(&id, 6), Some(&e));
        assert_eq!(c.get(&id, 1), None, "the level is part of the key");
        std::fs::write(&p, "{not json").unwrap();
        assert_eq!(GzipCache::load(&p).get(&id, 6), None);
        assert_eq!(GzipCache::load(Path::new("/dev/zero")).get(&id, 6), None);
    }

    /// Red team round 3, item 8: an entry moved to another layer's key (or planted
    /// without the key) does not verify and is dropped, so it never names a blob.
    #[test]
    fn a_poisoned_entry_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cache.json");
        let (a, b) = (Digest::of(b"layer A"), Digest::of(b"layer B"));
        let mut c = GzipCache::load(&p);
        c.put(
            &a,
            6,
            Entry {
                digest: Digest::of(b"gz A"),
                size: 9,
            },
        );
        c.save();
        let text = std::fs::read_to_string(&p).unwrap();
        // B's key now points at A's entry, seal and all.
        std::fs::write(&p, text.replace(&a.to_string(), &b.to_string())).unwrap();
        let c = GzipCache::load(&p);
        assert_eq!(c.get(&b, 6), None);
        assert_eq!(c.get(&a, 6), None);
    }
}
