//! Files the tools write, and the files they trust: one atomic writer, one private
//! scratch directory, one private cache directory, one trust rule.
//!
//! Every tool that writes a result file (a plan, an export, a chart, a cache, an
//! edited fargate.toml) goes through [`write_atomic`], so a reader never sees half a
//! file, a symlink is written through (not replaced), a FIFO or a device is never
//! truncated by surprise, and a private file is never widened.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Who may read what [`write_atomic`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// 0600, whatever the file had: plans, caches, exports with secrets.
    Private,
    /// The existing file's permissions (a user's edited config keeps 0600 or 0644);
    /// a new file gets 0644.
    Keep,
}

/// What to do when the path exists and is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// Exit 2: `--plan-out /dev/stdout` or a directory is a usage error.
    Refuse,
    /// Write straight into a FIFO or a character device (`--output /dev/stdout`,
    /// a pipe to another process); a directory is still refused.
    WriteThrough,
}

/// Write `bytes` to `path` atomically: a temporary file in the target's directory,
/// synced, then renamed over it. A symlink is followed, so the file it names is
/// replaced and the link stays. `what` names the file in errors ("the plan").
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    what: &str,
    perm: Perm,
    special: Special,
) -> Result<()> {
    let io = |e: std::io::Error| Error::io(format!("writing {what} {}", path.display()), e);
    // `/dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1` name a file this process has open
    // (often a shell redirection to a regular file): write through them, appending as
    // the redirection would, never rename over what they point at.
    if special == Special::WriteThrough && (path.starts_with("/dev") || path.starts_with("/proc")) {
        return std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes).and_then(|_| f.flush()))
            .map_err(io);
    }
    // Follow a symlink to the file it names (a dangling link names a new file there).
    let target = resolve_link(path).map_err(io)?;
    let existing = std::fs::metadata(&target).ok();
    if let Some(meta) = &existing
        && !meta.is_file()
    {
        if meta.is_dir() {
            return Err(Error::invalid(format!(
                "{what} {} is a directory; give a file name",
                path.display()
            )));
        }
        if special == Special::Refuse {
            return Err(Error::invalid(format!(
                "{what} {}: exists and is not a regular file",
                path.display()
            )));
        }
        return std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .and_then(|mut f| f.write_all(bytes).and_then(|_| f.flush()))
            .map_err(io);
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mode = match (perm, &existing) {
        (Perm::Private, _) => 0o600,
        (Perm::Keep, Some(meta)) => mode_of(meta),
        (Perm::Keep, None) => 0o644,
    };
    // tempfile creates its file 0600 with an unpredictable name (O_EXCL).
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    set_mode(tmp.path(), mode).map_err(io)?;
    tmp.persist(&target).map_err(|e| io(e.error))?;
    Ok(())
}

/// Check an output path before any work: an existing path that is not a regular file
/// (a directory, a device, a symlink) or a missing directory is exit 2 naming `flag`,
/// so nothing is computed, fetched or billed for a result that cannot be written.
pub fn check_output(path: &Path, flag: &str) -> Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && !meta.is_file()
    {
        return Err(Error::invalid(format!(
            "{flag} {}: exists and is not a regular file",
            path.display()
        )));
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if dir.is_some_and(|d| !d.is_dir()) {
        return Err(Error::invalid(format!(
            "{flag} {}: its directory does not exist",
            path.display()
        )));
    }
    Ok(())
}

/// `path`, or the file it names when it is a symlink (one level at a time, bounded).
fn resolve_link(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..16 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p)?;
                p = match p.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(_meta: &std::fs::Metadata) -> u32 {
    0o644
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// A scratch directory only this user can enter (0700), removed when dropped. For
/// files that hold secrets (a saved Terraform plan holds `--var` values and state).
/// Register it with [`crate::signals::remove_on_signal`] so a signal removes it too.
pub fn private_tempdir(prefix: &str) -> Result<tempfile::TempDir> {
    let mut b = tempfile::Builder::new();
    b.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(std::fs::Permissions::from_mode(0o700));
    }
    b.tempdir()
        .map_err(|e| Error::io("creating a private scratch directory", e))
}

/// `cache_dir()/sub`, created 0700, or `None` (with a warning naming why) when it
/// cannot be made private or is not trustworthy: a cache is only ever an optimisation,
/// and a planted one must never decide what a tool prints.
pub fn private_cache_dir(sub: &str) -> Option<PathBuf> {
    let dir = crate::text::cache_dir()?.join(sub);
    if let Err(e) = create_private_dir(&dir) {
        tracing::warn!(
            "the cache {} cannot be kept ({e}); running without it",
            dir.display()
        );
        return None;
    }
    if let Some(why) = untrusted(&dir) {
        tracing::warn!(
            "ignoring the cache {}: {why}; remove it or fix its owner and mode",
            dir.display()
        );
        return None;
    }
    Some(dir)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Read a cache file only if it is this user's own, private and a regular file;
/// anything else is ignored with a warning (`None`). Bounded to `max` bytes.
pub fn read_trusted(path: &Path, max: u64) -> Option<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        tracing::warn!(
            "ignoring the cache file {}: not a regular file",
            path.display()
        );
        return None;
    }
    if let Some(why) = untrusted(path) {
        tracing::warn!("ignoring the cache file {}: {why}", path.display());
        return None;
    }
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(max + 1)
        .read_to_end(&mut buf)
        .ok()?;
    if buf.len() as u64 > max {
        tracing::warn!("ignoring the cache file {}: too large", path.display());
        return None;
    }
    Some(buf)
}

/// Why a file or directory that decides what a tool does (fargate.toml, a cache)
/// must not be trusted: owned by another user (root aside), or writable by others.
#[cfg(unix)]
pub fn untrusted(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me && meta.uid() != 0 {
        return Some(format!(
            "it is owned by another user (uid {}, you are {me})",
            meta.uid()
        ));
    }
    // Group-writable is fine for a user-private group (umask 002 distributions).
    let my_group = rustix::process::getegid().as_raw();
    let others_write = meta.mode() & 0o002 != 0;
    let group_write = meta.mode() & 0o020 != 0 && meta.gid() != my_group;
    if others_write || group_write {
        return Some(format!(
            "it is writable by other users (mode {:o})",
            meta.mode() & 0o777
        ));
    }
    None
}

#[cfg(not(unix))]
pub fn untrusted(_path: &Path) -> Option<String> {
    None
}

#[cfg(all(test, unix))]
mod tests {

    #[test]
    fn a_lock_file_is_held_until_dropped_and_a_stale_one_is_taken_over() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("x.lock");
        let minute = std::time::Duration::from_secs(60);
        let first = match try_lock(&path, minute) {
            Lock::Taken(l) => l,
            other => panic!("{other:?}"),
        };
        assert!(matches!(try_lock(&path, minute), Lock::Held));
        drop(first);
        assert!(!path.exists());
        // Left behind by a process that died: older than `stale`, taken over.
        std::fs::write(&path, "").expect("write");
        assert!(matches!(
            try_lock(&path, std::time::Duration::ZERO),
            Lock::Taken(_)
        ));
        assert!(matches!(
            try_lock(&dir.path().join("no/such/dir.lock"), minute),
            Lock::Unavailable
        ));
        // A directory planted at the lock's path: not waited for.
        std::fs::create_dir(dir.path().join("d.lock")).expect("mkdir");
        assert!(matches!(
            try_lock(&dir.path().join("d.lock"), minute),
            Lock::Unavailable
        ));
    }
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn private_files_are_0600_and_replace_atomically() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("plan.json");
        std::fs::write(&p, "old").expect("seed");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write_atomic(&p, b"new", "the plan", Perm::Private, Special::Refuse).expect("write");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "new");
        assert_eq!(mode(&p), 0o600);
        // No temporary file is left beside it.
        assert_eq!(std::fs::read_dir(d.path()).expect("ls").count(), 1);
    }

    #[test]
    fn keep_keeps_a_private_mode_and_follows_symlinks() {
        let d = tempfile::tempdir().expect("tmp");
        let shared = d.path().join("shared");
        std::fs::create_dir(&shared).expect("mkdir");
        let real = shared.join("fargate.toml");
        std::fs::write(&real, "a").expect("seed");
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let link = d.path().join("fargate.toml");
        std::os::unix::fs::symlink("shared/fargate.toml", &link).expect("symlink");
        write_atomic(&link, b"b", "fargate.toml", Perm::Keep, Special::Refuse).expect("write");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).expect("read"), "b");
        assert_eq!(mode(&real), 0o600);
    }

    #[test]
    fn directories_and_devices_are_refused_fifos_written_through() {
        let d = tempfile::tempdir().expect("tmp");
        let e = write_atomic(d.path(), b"x", "out", Perm::Private, Special::WriteThrough)
            .expect_err("dir");
        assert_eq!(e.exit_code(), crate::ExitCode::Usage);
        let e = write_atomic(
            Path::new("/dev/null"),
            b"x",
            "out",
            Perm::Private,
            Special::Refuse,
        )
        .expect_err("device");
        assert_eq!(e.exit_code(), crate::ExitCode::Usage);
        write_atomic(
            Path::new("/dev/null"),
            b"x",
            "out",
            Perm::Private,
            Special::WriteThrough,
        )
        .expect("device written through");
    }

    #[test]
    fn private_tempdirs_are_0700() {
        let t = private_tempdir("t-").expect("dir");
        assert_eq!(mode(t.path()), 0o700);
    }

    #[test]
    fn caches_of_others_or_shared_writable_are_not_read() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("c.json");
        std::fs::write(&p, "{}").expect("seed");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert_eq!(read_trusted(&p, 10).as_deref(), Some(&b"{}"[..]));
        assert!(read_trusted(&p, 1).is_none(), "over the bound");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).expect("chmod");
        assert!(read_trusted(&p, 10).is_none(), "world-writable");
        assert!(read_trusted(d.path(), 10).is_none(), "a directory");
    }
}
/// A lock file held while a process does something others should wait for (one Cost
/// Explorer read a day): created exclusively, removed on drop.
#[derive(Debug)]
pub struct LockFile(PathBuf);

impl Drop for LockFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What [`try_lock`] found.
#[derive(Debug)]
pub enum Lock {
    /// Taken: held until the value is dropped.
    Taken(LockFile),
    /// Another process holds it (and it is not older than `stale`).
    Held,
    /// It cannot be taken here (no such directory, no permission).
    Unavailable,
}

/// Take the lock file `path`; one older than `stale` was left by a process that died
/// and is taken over. Callers wait between attempts as suits them.
pub fn try_lock(path: &Path, stale: std::time::Duration) -> Lock {
    for _ in 0..2 {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(_) => return Lock::Taken(LockFile(path.to_path_buf())),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // A directory or device planted there is not a lock anyone holds.
                if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file()) {
                    return Lock::Unavailable;
                }
                let age = std::fs::metadata(path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok());
                if age.is_none_or(|a| a <= stale) {
                    return Lock::Held;
                }
                let _ = std::fs::remove_file(path);
            }
            Err(_) => return Lock::Unavailable,
        }
    }
    Lock::Held
}
