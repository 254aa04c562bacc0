//! Load the Terraform tree as HCL (hcl-rs) so tests can assert cost rules and
//! conventions statically: this machine cannot download providers, so
//! `terraform validate` / `plan` are not available to CI.

use hcl::{Block, Body, Expression};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
}

/// One `.tf` file, parsed.
#[derive(Debug)]
pub struct TfFile {
    pub path: PathBuf,
    pub text: String,
    pub body: Body,
}

/// Every `.tf` file below `root`, sorted by path (skipping `.terraform/`).
pub fn load_tree(root: &Path) -> Result<Vec<TfFile>, LoadError> {
    let mut paths = Vec::new();
    collect(root, &mut paths)?;
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            let body = hcl::parse(&text).map_err(|e| LoadError::Parse {
                path: path.clone(),
                message: e.to_string(),
            })?;
            Ok(TfFile { path, text, body })
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| LoadError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == ".terraform") {
                continue;
            }
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "tf") {
            out.push(path);
        }
    }
    Ok(())
}

/// Top-level blocks with this identifier (`resource`, `module`, `variable`, ...).
pub fn blocks<'a>(file: &'a TfFile, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    file.body.blocks().filter(move |b| b.identifier() == ident)
}

/// The string labels of a block (`resource "aws_vpc" "this"` -> ["aws_vpc", "this"]).
pub fn labels(block: &Block) -> Vec<&str> {
    block.labels().iter().map(|l| l.as_str()).collect()
}

/// An attribute's expression in a block body.
pub fn attr<'a>(block: &'a Block, key: &str) -> Option<&'a Expression> {
    block
        .body()
        .attributes()
        .find(|a| a.key() == key)
        .map(|a| a.expr())
}

/// Nested blocks of a block with this identifier.
pub fn nested<'a>(block: &'a Block, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
    block
        .body()
        .blocks()
        .filter(move |b| b.identifier() == ident)
}

/// `default` values of the variables declared in one directory.
pub fn variable_defaults(files: &[TfFile], dir: &Path) -> BTreeMap<String, Expression> {
    files
        .iter()
        .filter(|f| f.path.parent() == Some(dir))
        .flat_map(|f| blocks(f, "variable"))
        .filter_map(|b| {
            let name = labels(b).first()?.to_string();
            Some((name, attr(b, "default")?.clone()))
        })
        .collect()
}

/// A number literal, or `var.X` resolved through `defaults`.
pub fn resolve_number(expr: &Expression, defaults: &BTreeMap<String, Expression>) -> Option<f64> {
    match expr {
        Expression::Number(n) => n.as_f64(),
        Expression::Traversal(_) => {
            let text = hcl::format::to_string(expr).ok()?;
            let name = text.trim().strip_prefix("var.")?;
            resolve_number(defaults.get(name)?, defaults)
        }
        _ => None,
    }
}

/// A string literal, or `var.X` resolved through `defaults`.
pub fn resolve_string(
    expr: &Expression,
    defaults: &BTreeMap<String, Expression>,
) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.clone()),
        Expression::Traversal(_) => {
            let text = hcl::format::to_string(expr).ok()?;
            let name = text.trim().strip_prefix("var.")?;
            resolve_string(defaults.get(name)?, defaults)
        }
        _ => None,
    }
}

/// Valid Fargate memory sizes (MiB) for a CPU size: the one table, in `pricing`.
pub use pricing::fargate::memory_options as fargate_memory_options;
