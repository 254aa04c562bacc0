//! Files that hold a whole path: JSON, YAML and dotenv, for import and export.
//!
//! All three map a key relative to the path (`db-password`, `db/host`) to a string.
//! A `null` value (JSON/YAML), or a dotenv line commented out by `export` without
//! `--reveal`, means "secret not exported": import leaves that parameter alone.

use aws_core::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Yaml,
    Dotenv,
}

impl Format {
    /// Pick the format from a file name: `.json`, `.yaml`/`.yml`, `.env`/`*.env`.
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".json") {
            Some(Format::Json)
        } else if name.ends_with(".yaml") || name.ends_with(".yml") {
            Some(Format::Yaml)
        } else if name.ends_with(".env") || name == ".env" || name.starts_with(".env.") {
            Some(Format::Dotenv)
        } else {
            None
        }
    }
}

/// Key -> value (`None`: a secret left out of an export).
pub type Entries = BTreeMap<String, Option<String>>;

pub fn parse(format: Format, text: &str, origin: &str) -> Result<Entries> {
    match format {
        Format::Json => {
            let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
                Error::invalid(format!(
                    "{origin}:{}:{}: invalid JSON: {e}",
                    e.line(),
                    e.column()
                ))
            })?;
            let serde_json::Value::Object(map) = v else {
                return Err(Error::invalid(format!(
                    "{origin}: expected a JSON object of \"key\": \"value\" pairs"
                )));
            };
            map.into_iter()
                .map(|(k, v)| Ok((k.clone(), scalar_json(&k, v, origin)?)))
                .collect()
        }
        Format::Yaml => {
            let v: serde_yaml::Value = serde_yaml::from_str(text)
                .map_err(|e| Error::invalid(format!("{origin}: invalid YAML: {e}")))?;
            let map = match v {
                serde_yaml::Value::Mapping(m) => m,
                serde_yaml::Value::Null => serde_yaml::Mapping::new(),
                _ => {
                    return Err(Error::invalid(format!(
                        "{origin}: expected a YAML mapping of key: value pairs"
                    )));
                }
            };
            let mut out = Entries::new();
            for (k, v) in map {
                let key = match k {
                    serde_yaml::Value::String(s) => s,
                    other => {
                        return Err(Error::invalid(format!(
                            "{origin}: keys must be strings, found {other:?}"
                        )));
                    }
                };
                let value = scalar_yaml(&key, v, origin)?;
                out.insert(key, value);
            }
            Ok(out)
        }
        Format::Dotenv => parse_dotenv(text, origin),
    }
}

fn scalar_json(key: &str, v: serde_json::Value, origin: &str) -> Result<Option<String>> {
    use serde_json::Value as V;
    match v {
        V::String(s) => Ok(Some(s)),
        V::Number(n) => Ok(Some(n.to_string())),
        V::Bool(b) => Ok(Some(b.to_string())),
        V::Null => Ok(None),
        V::Array(_) | V::Object(_) => Err(Error::invalid(format!(
            "{origin}: \"{key}\" is a nested value; use a flat object of strings \
             (put structured config in one parameter with `create --from-file`)"
        ))),
    }
}

fn scalar_yaml(key: &str, v: serde_yaml::Value, origin: &str) -> Result<Option<String>> {
    use serde_yaml::Value as V;
    match v {
        V::String(s) => Ok(Some(s)),
        V::Number(n) => Ok(Some(n.to_string())),
        V::Bool(b) => Ok(Some(b.to_string())),
        V::Null => Ok(None),
        _ => Err(Error::invalid(format!(
            "{origin}: \"{key}\" is not a plain string, number or boolean"
        ))),
    }
}

fn parse_dotenv(text: &str, origin: &str) -> Result<Entries> {
    let mut out = Entries::new();
    let mut first_line: BTreeMap<String, usize> = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let lineno = i + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((key, rest)) = line.split_once('=') else {
            // The line is not echoed: it may be a secret pasted without its key.
            return Err(Error::invalid(format!(
                "{origin}:{lineno}: expected KEY=VALUE (no '=' on this line)"
            )));
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'))
        {
            return Err(Error::invalid(format!(
                "{origin}:{lineno}: invalid key \"{}\" (letters, digits, '_', '.', '-', '/')",
                preview(key)
            )));
        }
        let value = unquote(rest.trim(), origin, lineno)?;
        if let Some(prev) = first_line.insert(key.to_string(), lineno) {
            return Err(Error::invalid(format!(
                "{origin}:{lineno}: \"{key}\" is defined twice (first on line {prev})"
            )));
        }
        out.insert(key.to_string(), Some(value));
    }
    Ok(out)
}

fn unquote(v: &str, origin: &str, lineno: usize) -> Result<String> {
    if let Some(inner) = v.strip_prefix('"') {
        let Some(inner) = inner.strip_suffix('"') else {
            return Err(Error::invalid(format!(
                "{origin}:{lineno}: unterminated double quote"
            )));
        };
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some('t') => out.push('\t'),
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some('$') => out.push('$'),
                    Some(other) => {
                        out.push('\\');
                        out.push(other);
                    }
                    None => out.push('\\'),
                }
            } else {
                out.push(c);
            }
        }
        Ok(out)
    } else if let Some(inner) = v.strip_prefix('\'') {
        inner
            .strip_suffix('\'')
            .map(str::to_string)
            .ok_or_else(|| Error::invalid(format!("{origin}:{lineno}: unterminated single quote")))
    } else {
        // Unquoted: an inline comment starts at " #".
        let v = match v.find(" #") {
            Some(i) => &v[..i],
            None => v,
        };
        Ok(v.trim_end().to_string())
    }
}

fn preview(s: &str) -> String {
    // Never echo a whole line back: it may hold a secret.
    let p: String = s.chars().take(24).collect();
    if s.chars().count() > 24 {
        format!("{p}...")
    } else {
        p
    }
}

/// Serialise entries. `None` values are written as "left out" markers.
pub fn render(format: Format, entries: &Entries) -> Result<String> {
    match format {
        Format::Json => serde_json::to_string_pretty(entries)
            .map(|s| s + "\n")
            .map_err(|e| Error::Failed(format!("writing JSON: {e}"))),
        Format::Yaml => {
            if entries.is_empty() {
                return Ok("{}\n".into());
            }
            serde_yaml::to_string(entries).map_err(|e| Error::Failed(format!("writing YAML: {e}")))
        }
        Format::Dotenv => {
            let mut s = String::new();
            for (k, v) in entries {
                match v {
                    Some(v) => s.push_str(&format!("{k}={}\n", quote_dotenv(v))),
                    None => s.push_str(&format!(
                        "# {k}=  (SecureString left out: export with --reveal)\n"
                    )),
                }
            }
            Ok(s)
        }
    }
}

fn quote_dotenv(v: &str) -> String {
    let plain = v.chars().all(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | ':' | '@' | '+' | ',')
    });
    if plain && !v.is_empty() {
        return v.to_string();
    }
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entries(pairs: &[(&str, Option<&str>)]) -> Entries {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    #[test]
    fn dotenv_parses_common_forms() {
        let text = "# comment\nexport A=1\nB=\"two words\\n\"\nC='lit $x'\nD=plain # note\n\nE=\n";
        let got = parse(Format::Dotenv, text, "t.env").expect("parse");
        assert_eq!(
            got,
            entries(&[
                ("A", Some("1")),
                ("B", Some("two words\n")),
                ("C", Some("lit $x")),
                ("D", Some("plain")),
                ("E", Some("")),
            ])
        );
    }

    #[test]
    fn dotenv_errors_name_the_line_without_the_value() {
        let e = parse(Format::Dotenv, "A=1\nthis is secret and wrong\n", "t.env").expect_err("bad");
        let msg = e.to_string();
        assert!(msg.contains("t.env:2"), "{msg}");
        assert!(!msg.contains("secret and wrong"), "{msg}");
        let dup = parse(Format::Dotenv, "A=1\nA=2\n", "t.env").expect_err("dup");
        assert!(dup.to_string().contains("first on line 1"), "{dup}");
    }

    #[test]
    fn json_and_yaml_flat_maps() {
        let j = parse(Format::Json, r#"{"a": "x", "n": 5, "s": null}"#, "f.json").expect("json");
        assert_eq!(
            j,
            entries(&[("a", Some("x")), ("n", Some("5")), ("s", None)])
        );
        let y = parse(Format::Yaml, "a: x\nn: 5\ns: ~\n", "f.yaml").expect("yaml");
        assert_eq!(y, j);
        assert!(parse(Format::Json, r#"{"a": {"b": 1}}"#, "f.json").is_err());
        assert!(parse(Format::Json, "[1]", "f.json").is_err());
        let e = parse(Format::Json, "{\n\"a\": }", "f.json").expect_err("syntax");
        assert!(e.to_string().starts_with("f.json:2:"), "{e}");
    }

    #[test]
    fn format_from_path() {
        assert_eq!(Format::from_path(Path::new("x.json")), Some(Format::Json));
        assert_eq!(Format::from_path(Path::new("a/.env")), Some(Format::Dotenv));
        assert_eq!(
            Format::from_path(Path::new("prod.env")),
            Some(Format::Dotenv)
        );
        assert_eq!(Format::from_path(Path::new("x.yml")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("x.txt")), None);
    }

    proptest! {
        #[test]
        fn round_trips(map in proptest::collection::btree_map("[A-Za-z_][A-Za-z0-9_./-]{0,12}", "\\PC{1,30}", 0..8)) {
            let e: Entries = map.into_iter().map(|(k, v)| (k, Some(v))).collect();
            for f in [Format::Json, Format::Yaml, Format::Dotenv] {
                let text = render(f, &e).expect("render");
                let back = parse(f, &text, "rt").expect("parse back");
                prop_assert_eq!(&back, &e, "format {:?}: {}", f, text);
            }
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,200}") {
            for f in [Format::Json, Format::Yaml, Format::Dotenv] {
                let _ = parse(f, &s, "fuzz");
            }
        }
    }
}
