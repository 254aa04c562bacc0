//! Reading Terraform sources: bounded, regular files only, and where `terraform init`
//! put non-local modules (`.terraform/modules/modules.json`).

use super::*;

/// `.terraform/modules/modules.json`, written by `terraform init` / `terraform get`:
/// where the code of each registry, git, S3 or HTTP module was put.
#[derive(Default)]
pub(super) struct Manifest {
    /// Module key (`vpc`, `ecs.service`) -> directory.
    pub(super) dirs: BTreeMap<String, PathBuf>,
}

impl Manifest {
    pub(super) fn read(root: &Path) -> Result<Manifest, LoadError> {
        #[derive(serde::Deserialize)]
        struct File {
            #[serde(rename = "Modules")]
            modules: Vec<Entry>,
        }
        #[derive(serde::Deserialize)]
        struct Entry {
            #[serde(rename = "Key")]
            key: String,
            #[serde(rename = "Dir")]
            dir: String,
        }
        let path = root.join(".terraform/modules/modules.json");
        if !path.exists() {
            return Ok(Manifest::default());
        }
        let text = read_source(&path)?;
        let file: File = serde_json::from_str(&text).map_err(|e| LoadError::BadManifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(Manifest {
            dirs: file
                .modules
                .into_iter()
                .filter(|e| !e.key.is_empty())
                .map(|e| (e.key, root.join(e.dir)))
                .collect(),
        })
    }
}

/// The `.tf` files of one module directory (not its subdirectories), in name order.
pub(super) fn tf_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| LoadError::Io {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// The manifest key of a module call: `module.a["x"].module.b` + `c` -> `a.b.c`.
pub(super) fn manifest_key(prefix: &str, name: &str) -> String {
    let mut parts: Vec<&str> = prefix
        .split("module.")
        .map(|p| p.trim_end_matches('.'))
        .filter(|p| !p.is_empty())
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect();
    parts.push(name);
    parts.join(".")
}

/// Whether a module source is a path on this machine (Terraform's rule: `./` or `../`).
pub(super) fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// Read a source file: a regular file of at most [`MAX_FILE_BYTES`].
pub(crate) fn read_source(path: &Path) -> Result<String, LoadError> {
    read_limited(path, MAX_FILE_BYTES)
}

/// Read a regular file of at most `limit` bytes (a device, FIFO or directory is
/// refused before reading, a larger file after at most `limit + 1` bytes).
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<String, LoadError> {
    use std::io::Read;
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    if meta.len() > limit {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(limit + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > limit {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(text)
}

pub(super) fn parse_file(path: &Path) -> Result<Body, LoadError> {
    let src = read_source(path)?;
    hcl::parse(&src).map_err(|e| {
        let message = e.to_string();
        if message.contains("nesting depth") {
            LoadError::TooNested {
                path: path.to_path_buf(),
            }
        } else {
            LoadError::Syntax {
                path: path.to_path_buf(),
                message,
            }
        }
    })
}
