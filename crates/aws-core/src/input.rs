//! Reading user-supplied files and stdin with a size cap, so `/dev/zero`, a
//! directory or a multi-gigabyte file is a clear error instead of unbounded memory.

use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Read a text file of at most `max` bytes. Regular files and pipes (`<(cmd)`,
/// `/dev/stdin`) are accepted; directories, devices and sockets are refused.
/// Every problem is a usage error (exit 2) naming the file, without its contents.
pub fn read_text_file(path: &Path, max: u64, what: &str) -> Result<String> {
    let shown = path.display();
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::invalid(format!("cannot read {what} {shown}: {}", io_reason(&e))))?;
    if !acceptable(&meta) {
        return Err(Error::invalid(format!(
            "{what} {shown} is {}, not a regular file",
            kind_of(&meta)
        )));
    }
    if meta.is_file() && meta.len() > max {
        return Err(too_big(what, &shown.to_string(), max));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| Error::invalid(format!("cannot read {what} {shown}: {}", io_reason(&e))))?;
    let bytes = read_capped(file, max)
        .map_err(|e| Error::invalid(format!("cannot read {what} {shown}: {}", io_reason(&e))))?
        .ok_or_else(|| too_big(what, &shown.to_string(), max))?;
    String::from_utf8(bytes).map_err(|_| {
        Error::invalid(format!(
            "{what} {shown} is not UTF-8 text (base64-encode binary data first)"
        ))
    })
}

/// All of stdin, at most `max` bytes plus `slack` (room for a trailing newline the
/// caller drops and checks against `max` itself).
pub fn read_stdin(max: u64, slack: u64, what: &str) -> Result<String> {
    let bytes = read_capped(std::io::stdin().lock(), max + slack)
        .map_err(|e| Error::invalid(format!("cannot read {what} from stdin: {}", io_reason(&e))))?
        .ok_or_else(|| too_big(what, "on stdin", max))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::invalid(format!("{what} on stdin is not UTF-8 text")))
}

/// Up to `max` bytes; `None` when there is more.
pub fn read_capped(reader: impl Read, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    reader.take(max + 1).read_to_end(&mut buf)?;
    Ok((buf.len() as u64 <= max).then_some(buf))
}

fn too_big(what: &str, shown: &str, max: u64) -> Error {
    Error::invalid(format!(
        "{what} {shown} is larger than {}; nothing was read",
        human_bytes(max)
    ))
}

fn human_bytes(n: u64) -> String {
    if n >= 1024 * 1024 && n % (1024 * 1024) == 0 {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 && n % 1024 == 0 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

#[cfg(unix)]
fn acceptable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::FileTypeExt;
    meta.is_file() || meta.file_type().is_fifo()
}

#[cfg(not(unix))]
fn acceptable(meta: &std::fs::Metadata) -> bool {
    meta.is_file()
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_missing_files_are_usage_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, words) in [
            (dir.path().to_path_buf(), "is a directory"),
            (dir.path().join("missing"), "no such file"),
            (Path::new("/dev/zero").to_path_buf(), "is a device"),
        ] {
            let e = read_text_file(&path, 8192, "value file").expect_err("refused");
            assert_eq!(e.exit_code(), crate::ExitCode::Usage);
            assert!(e.to_string().contains(words), "{e}");
        }
    }

    #[test]
    fn size_is_capped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("v");
        std::fs::write(&f, "x".repeat(10)).expect("write");
        assert_eq!(read_text_file(&f, 10, "v").expect("fits"), "x".repeat(10));
        let e = read_text_file(&f, 9, "v").expect_err("too big");
        assert!(e.to_string().contains("larger than 9 bytes"), "{e}");
        assert_eq!(
            read_capped(std::io::repeat(0).take(1 << 20), 100).expect("io"),
            None
        );
    }
}
