//! Where a value comes from, and the checks it must pass before it is sent.

use crate::model::{ParamType, Tier};
use aws_core::{Error, Result};
use std::path::Path;

/// Where `create` reads the value from. SecureString values never come from argv.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSource<'a> {
    Argv(&'a str),
    File(&'a Path),
    /// Hidden prompt on a terminal, else all of stdin.
    PromptOrStdin,
}

impl ValueSource<'_> {
    /// The type to use when `--type` was not given: values typed or piped in are
    /// treated as secrets; `--value` and files default to String.
    pub fn default_type(&self) -> ParamType {
        match self {
            ValueSource::PromptOrStdin => ParamType::SecureString,
            _ => ParamType::String,
        }
    }

    /// Read the value; at most [`MAX_VALUE_BYTES`], so `/dev/zero` is an error, not a
    /// memory leak. A value typed or piped in is treated as a secret from the start.
    pub fn read(&self, name: &str) -> Result<String> {
        match self {
            ValueSource::Argv(v) => Ok((*v).to_string()),
            ValueSource::File(p) => {
                aws_core::input::read_text_file(p, MAX_VALUE_BYTES, "value file")
            }
            ValueSource::PromptOrStdin => aws_core::prompt::read_secret(
                &format!("Value for {name} (input hidden): "),
                MAX_VALUE_BYTES,
            ),
        }
    }
}

/// The largest value SSM stores (advanced tier); a longer one is refused on reading.
pub const MAX_VALUE_BYTES: u64 = 8192;

/// Import files: 10,000 parameters (the standard-tier quota) of a few hundred bytes
/// fit many times over.
pub const MAX_IMPORT_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Read a whole-path file for `import`, without a leading UTF-8 byte-order mark.
pub fn read_import_file(path: &Path) -> Result<String> {
    let text = aws_core::input::read_text_file(path, MAX_IMPORT_FILE_BYTES, "import file")?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Check a structured file's syntax by its extension, so a broken config never lands.
pub fn check_file_syntax(path: &Path, text: &str) -> Result<()> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("json") => crate::formats::check_json(text).map_err(|e| {
            Error::invalid(format!(
                "{} is not valid JSON: {e} (line {}, column {}); nothing was written",
                path.display(),
                e.line(),
                e.column()
            ))
        }),
        Some("yaml" | "yml") => serde_yaml::from_str::<serde_yaml::Value>(text)
            .map(|_| ())
            .map_err(|e| {
                Error::invalid(format!(
                    "{} is not valid YAML: {e}; nothing was written",
                    path.display()
                ))
            }),
        _ => Ok(()),
    }
}

/// Checks every value passes: not empty, fits the tier, a valid StringList.
pub fn check_value(
    name: &str,
    value: &str,
    kind: ParamType,
    tier: Tier,
    region: &str,
) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(format!(
            "the value for \"{name}\" is empty; SSM needs at least one character"
        )));
    }
    let len = value.len();
    let max = tier.max_bytes();
    if len > max {
        let fix = match tier {
            Tier::Standard => format!(
                "pass --tier advanced (up to {} bytes, {} per parameter-month) or shrink the value",
                Tier::Advanced.max_bytes(),
                crate::model::price_text(crate::model::ADVANCED_PARAMETER_PRICE, region)
            ),
            Tier::Advanced => "split it into several parameters or store it in S3".into(),
        };
        return Err(Error::invalid(format!(
            "the value for \"{name}\" is {len} bytes; the {} tier holds at most {max} bytes: {fix}; \
             nothing was written",
            match tier {
                Tier::Standard => "standard",
                Tier::Advanced => "advanced",
            }
        )));
    }
    if kind == ParamType::StringList && value.split(',').any(str::is_empty) {
        return Err(Error::invalid(format!(
            "the StringList value for \"{name}\" has an empty item (check for ',,' or a trailing comma)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversize_standard_value_names_the_fix_and_price() {
        let v = "x".repeat(4097);
        let e = check_value("/a", &v, ParamType::String, Tier::Standard, "us-east-1")
            .expect_err("too big");
        let msg = e.to_string();
        assert!(
            msg.contains("4097 bytes") && msg.contains("--tier advanced") && msg.contains("$0.05"),
            "{msg}"
        );
        assert!(check_value("/a", &v, ParamType::String, Tier::Advanced, "us-east-1").is_ok());
        assert!(
            check_value(
                "/a",
                &"x".repeat(4096),
                ParamType::String,
                Tier::Standard,
                "us-east-1"
            )
            .is_ok()
        );
    }

    #[test]
    fn size_counts_bytes_not_chars() {
        let v = "é".repeat(2049); // 4098 bytes
        assert!(check_value("/a", &v, ParamType::String, Tier::Standard, "us-east-1").is_err());
    }

    #[test]
    fn empty_and_bad_lists_rejected() {
        assert!(check_value("/a", "", ParamType::String, Tier::Standard, "us-east-1").is_err());
        assert!(
            check_value(
                "/a",
                "a,,b",
                ParamType::StringList,
                Tier::Standard,
                "us-east-1"
            )
            .is_err()
        );
        assert!(
            check_value(
                "/a",
                "a,b",
                ParamType::StringList,
                Tier::Standard,
                "us-east-1"
            )
            .is_ok()
        );
    }

    #[test]
    fn file_syntax_by_extension() {
        let bad = check_file_syntax(Path::new("c.json"), "{\"a\": }").expect_err("bad json");
        assert!(bad.to_string().contains("line 1"), "{bad}");
        assert!(check_file_syntax(Path::new("c.yaml"), "a: [1, 2").is_err());
        assert!(check_file_syntax(Path::new("c.yml"), "a: 1\nb: [x]\n").is_ok());
        assert!(check_file_syntax(Path::new("notes.txt"), "{ not json").is_ok());
    }
}
