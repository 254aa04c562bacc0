//! What gzip made of each uncompressed layer before (its diff_id and level -> the
//! compressed digest and size), so that pushing an image whose layers the registry has
//! needs neither compressing nor hashing them again (Docker and skopeo keep the same
//! kind of record). An entry is only trusted to name blobs: a blob that must be
//! uploaded is compressed again and checked against it.
//!
//! One JSON file in the user's cache directory; unreadable or oversized means empty,
//! and it is replaced atomically, so concurrent runs cost at most a lost entry.

use crate::digest::Digest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};
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

#[derive(Debug, Default)]
pub struct GzipCache {
    path: Option<PathBuf>,
    entries: BTreeMap<String, Entry>,
    /// Changed since it was read: only then is the file written.
    dirty: bool,
}

fn key(diff_id: &Digest, level: u32) -> String {
    format!("{COMPRESSOR}/{level}/{diff_id}")
}

impl GzipCache {
    /// `$XDG_CACHE_HOME/fargate-free-tier/push-to-ecr-gzip.json`, else under `~/.cache`.
    pub fn default_path() -> Option<PathBuf> {
        let base = aws_core::text::cache_dir()?;
        Some(base.join("push-to-ecr-gzip.json"))
    }

    pub fn disabled() -> GzipCache {
        GzipCache::default()
    }

    pub fn load(path: &Path) -> GzipCache {
        let entries = std::fs::File::open(path)
            .ok()
            .filter(|f| {
                f.metadata()
                    .is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE)
            })
            .and_then(|f| {
                let mut s = String::new();
                f.take(MAX_FILE).read_to_string(&mut s).ok()?;
                serde_json::from_str(&s).ok()
            })
            .unwrap_or_default();
        GzipCache {
            path: Some(path.to_path_buf()),
            entries,
            dirty: false,
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

    /// Write the file (atomically) when something changed. Failing to is not an error:
    /// the cache only saves time.
    pub fn save(&mut self) {
        let Some(path) = &self.path else { return };
        if !self.dirty {
            return;
        }
        let write = || -> std::io::Result<()> {
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
            tmp.write_all(serde_json::to_string(&self.entries)?.as_bytes())?;
            tmp.persist(path).map_err(|e| e.error)?;
            Ok(())
        };
        match write() {
            Ok(()) => self.dirty = false,
            Err(e) => tracing::debug!("not saving {}: {e}", path.display()),
        }
    }
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
        let p = dir.path().join("sub/cache.json");
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
}
