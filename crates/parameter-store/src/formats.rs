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

/// Parse a whole-path file. Values keep the text as written (`1.10` stays `1.10`,
/// `0x1F` stays `0x1F`), a key given twice is an error in every format, and a
/// leading byte-order mark is ignored.
pub fn parse(format: Format, text: &str, origin: &str) -> Result<Entries> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        Format::Json => {
            let object: Members<Box<serde_json::value::RawValue>> = serde_json::from_str(text)
                .map_err(|e| {
                    Error::invalid(format!(
                        "{origin}:{}:{}: invalid JSON: {e}",
                        e.line(),
                        e.column()
                    ))
                })?;
            object
                .0
                .into_iter()
                .map(|(k, raw)| {
                    let v = scalar_json(&k, raw.get(), origin)?;
                    Ok((k, v))
                })
                .collect()
        }
        Format::Yaml => {
            // Deserialising scalars as strings keeps them as written.
            let map: Option<Members<Option<String>>> = serde_yaml::from_str(text).map_err(|e| {
                Error::invalid(format!(
                    "{origin}: invalid YAML (expected a flat mapping of key: value): {e}"
                ))
            })?;
            Ok(map.map(|m| m.0.into_iter().collect()).unwrap_or_default())
        }
        Format::Dotenv => parse_dotenv(text, origin),
    }
}

/// A mapping's members in order; a key given twice is an error.
struct Members<V>(Vec<(String, V)>);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Members<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Members<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a flat mapping of key: value pairs")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Members<T>, A::Error> {
                let mut seen = std::collections::HashSet::new();
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(serde::de::Error::custom(format!(
                            "\"{key}\" is defined twice"
                        )));
                    }
                    out.push((key, map.next_value()?));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Any JSON document, refusing a key defined twice in any object.
struct NoDuplicateKeys;

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = NoDuplicateKeys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<NoDuplicateKeys, A::Error> {
                let mut seen = std::collections::HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(serde::de::Error::custom(format!(
                            "\"{key}\" is defined twice"
                        )));
                    }
                    map.next_value::<NoDuplicateKeys>()?;
                }
                Ok(NoDuplicateKeys)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<NoDuplicateKeys, A::Error> {
                while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
                Ok(NoDuplicateKeys)
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<NoDuplicateKeys, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<NoDuplicateKeys, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<NoDuplicateKeys, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<NoDuplicateKeys, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<NoDuplicateKeys, E> {
                Ok(NoDuplicateKeys)
            }
            fn visit_unit<E>(self) -> std::result::Result<NoDuplicateKeys, E> {
                Ok(NoDuplicateKeys)
            }
        }
        d.deserialize_any(V)
    }
}

/// Check a JSON document's syntax, duplicate keys included (serde_json keeps the
/// last one silently). Returns serde_json's error with its line and column.
pub fn check_json(text: &str) -> std::result::Result<(), serde_json::Error> {
    serde_json::from_str::<NoDuplicateKeys>(text).map(|_| ())
}

/// One member's value, as written: strings unquoted, numbers and booleans verbatim.
fn scalar_json(key: &str, raw: &str, origin: &str) -> Result<Option<String>> {
    let raw = raw.trim();
    match raw.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(raw)
            .map(Some)
            .map_err(|e| Error::invalid(format!("{origin}: \"{key}\": {e}"))),
        Some(b'n') => Ok(None),
        Some(b'[' | b'{') => Err(Error::invalid(format!(
            "{origin}: \"{key}\" is a nested value; use a flat object of strings \
             (put structured config in one parameter with `create --from-file`)"
        ))),
        _ => Ok(Some(raw.to_string())),
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
    fn values_keep_their_text_and_duplicates_are_refused() {
        let j = parse(
            Format::Json,
            "\u{feff}{\"a\": 1.10, \"b\": 1e3, \"c\": true, \"d\": \"x\\u0041\"}",
            "f.json",
        )
        .expect("json");
        assert_eq!(
            j,
            entries(&[
                ("a", Some("1.10")),
                ("b", Some("1e3")),
                ("c", Some("true")),
                ("d", Some("xA"))
            ])
        );
        let y = parse(
            Format::Yaml,
            "a: 1.10\nh: 0x1F\nb: 1e3\nc: true\nd: ~\n",
            "f.yaml",
        )
        .expect("yaml");
        assert_eq!(
            y,
            entries(&[
                ("a", Some("1.10")),
                ("b", Some("1e3")),
                ("c", Some("true")),
                ("d", None),
                ("h", Some("0x1F"))
            ])
        );
        let dup = parse(Format::Json, "{\"a\": \"1\",\n \"a\": \"2\"}", "f.json").expect_err("dup");
        assert!(dup.to_string().contains("defined twice"), "{dup}");
        assert!(parse(Format::Yaml, "a: 1\na: 2\n", "f.yaml").is_err());
        assert!(parse(Format::Yaml, "a: [1]\n", "f.yaml").is_err());
        assert_eq!(
            parse(Format::Dotenv, "\u{feff}A=1\n", "t.env").expect("bom"),
            entries(&[("A", Some("1"))])
        );
        assert!(check_json("{\"x\": {\"k\": 1, \"k\": 2}}").is_err());
        assert!(check_json("{\"x\": [{\"k\": 1}, {\"k\": 2}]}").is_ok());
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
