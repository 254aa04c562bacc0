//! Checks of every AWS setting before the SDK sees it.
//!
//! The SDK panics on some malformed settings (an empty `AWS_ENDPOINT_URL`, a carriage
//! return in an access key) and turns others into request-construction errors whose
//! text can carry the request itself, body included. So every source of an endpoint
//! (flag, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, `endpoint_url` in the
//! selected profile or its `services` section), the region, the credential variables
//! and the profile name are validated here first: a bad one is a clear error naming
//! the setting (never its value when it may be a secret), and no call is made.

use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the checks read: the process environment and the two AWS profile files.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub env: BTreeMap<String, String>,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_flag: Option<String>,
    /// Text of the AWS config file, when it exists.
    pub config_file: Option<(PathBuf, String)>,
    /// Text of the shared credentials file, when it exists.
    pub credentials_file: Option<(PathBuf, String)>,
    /// A profile file that exists but cannot be one (a directory, a device, huge).
    pub file_problems: Vec<String>,
}

/// Profile files larger than this are not AWS profile files.
const MAX_PROFILE_FILE: u64 = 1024 * 1024;

impl Inputs {
    /// Read the process environment and the profile files it points at.
    pub fn from_process(
        profile: Option<&str>,
        region: Option<&str>,
        endpoint_flag: Option<&str>,
    ) -> Self {
        // Non-UTF-8 variables cannot be AWS settings we check; the SDK ignores them too.
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = env.get("HOME").map(PathBuf::from);
        let mut file_problems = Vec::new();
        // The SDK reads these files whole: /dev/zero there would never end.
        let mut file = |var: &str, default: &str| -> Option<(PathBuf, String)> {
            let path = match env.get(var).filter(|p| !p.is_empty()) {
                Some(p) => PathBuf::from(p),
                None => home.as_ref()?.join(default),
            };
            let meta = std::fs::metadata(&path).ok()?;
            if !meta.is_file() {
                file_problems.push(format!("{var} = {}: not a regular file", path.display()));
                return None;
            }
            if meta.len() > MAX_PROFILE_FILE {
                file_problems.push(format!(
                    "{var} = {}: larger than 1 MiB, not an AWS profile file",
                    path.display()
                ));
                return None;
            }
            Some((path.clone(), std::fs::read_to_string(&path).ok()?))
        };
        let config_file = file("AWS_CONFIG_FILE", ".aws/config");
        let credentials_file = file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
        Inputs {
            config_file,
            credentials_file,
            file_problems,
            profile: profile.map(str::to_string),
            region: region.map(str::to_string),
            endpoint_flag: endpoint_flag.map(str::to_string),
            env,
        }
    }
}

/// Run every check; the first problem found is the error.
pub fn check(inputs: &Inputs) -> Result<()> {
    if let Some(problem) = inputs.file_problems.first() {
        return Err(Error::Config(format!(
            "{problem}; point it at your AWS config file or unset it"
        )));
    }
    check_credentials_env(&inputs.env)?;
    check_retry_env(&inputs.env)?;
    if let Some(region) = &inputs.region {
        check_region(region, "--region / AWS_REGION")?;
    }
    if let Some(url) = &inputs.endpoint_flag {
        check_endpoint(url, "--endpoint-url")?;
    }
    let ignore_configured = inputs
        .env
        .get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if !ignore_configured {
        for (key, value) in &inputs.env {
            if key == "AWS_ENDPOINT_URL" || key.starts_with("AWS_ENDPOINT_URL_") {
                check_endpoint(value, key)?;
            }
        }
    }
    let profile_name = inputs
        .profile
        .clone()
        .or_else(|| inputs.env.get("AWS_PROFILE").cloned())
        .filter(|p| !p.is_empty());
    let (config, credentials) = profile_files(inputs);
    if let Some(name) = &profile_name {
        if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::Config(format!(
                "the AWS profile name {} contains a space or control character",
                printable(name)
            )));
        }
        if let Some(e) = undefined(name, &config, &credentials, inputs) {
            return Err(e);
        }
    }
    let selected = profile_name.unwrap_or_else(|| "default".to_string());
    for (path, ini) in [&config, &credentials].into_iter().flatten() {
        if let Some(section) = ini.profiles.get(&selected) {
            for key in [
                "aws_access_key_id",
                "aws_secret_access_key",
                "aws_session_token",
            ] {
                if let Some(v) = section.get(key) {
                    check_secret_chars(
                        v,
                        &format!("{key} of profile \"{selected}\" in {}", path.display()),
                    )?;
                }
            }
            if let Some(region) = section.get("region") {
                check_region(
                    region,
                    &format!("region of profile \"{selected}\" in {}", path.display()),
                )?;
            }
            if !ignore_configured && let Some(url) = section.get("endpoint_url") {
                check_endpoint(
                    url,
                    &format!(
                        "endpoint_url of profile \"{selected}\" in {}",
                        path.display()
                    ),
                )?;
            }
        }
        if !ignore_configured {
            for (section, url) in &ini.service_endpoints {
                check_endpoint(
                    url,
                    &format!("endpoint_url in [services {section}] of {}", path.display()),
                )?;
            }
        }
    }
    Ok(())
}

fn check_credentials_env(env: &BTreeMap<String, String>) -> Result<()> {
    for key in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        if let Some(v) = env.get(key) {
            check_secret_chars(v, key)?;
        }
    }
    Ok(())
}

/// The SDK panics on a malformed retry setting; say what is wrong instead.
fn check_retry_env(env: &BTreeMap<String, String>) -> Result<()> {
    if let Some(v) = env.get("AWS_MAX_ATTEMPTS")
        && !v.parse::<u32>().is_ok_and(|n| (1..=100).contains(&n))
    {
        return Err(Error::Config(format!(
            "AWS_MAX_ATTEMPTS = {} must be a whole number from 1 to 100",
            printable(v)
        )));
    }
    if let Some(v) = env.get("AWS_RETRY_MODE")
        && !matches!(v.to_ascii_lowercase().as_str(), "standard" | "adaptive")
    {
        return Err(Error::Config(format!(
            "AWS_RETRY_MODE = {} must be standard or adaptive",
            printable(v)
        )));
    }
    Ok(())
}

/// Keys and tokens are printable ASCII without spaces. Never echo the value.
fn check_secret_chars(value: &str, what: &str) -> Result<()> {
    let bad = value.chars().find(|c| !c.is_ascii_graphic());
    match bad {
        None => Ok(()),
        Some(c) => Err(Error::Config(format!(
            "{what} contains {}; AWS keys and tokens are printable ASCII without spaces \
             (a credentials file saved with Windows line endings does this: convert it with dos2unix)",
            match c {
                '\r' => "a carriage return (\\r)".to_string(),
                '\n' => "a line feed (\\n)".to_string(),
                ' ' => "a space".to_string(),
                '\t' => "a tab".to_string(),
                c if c.is_control() => format!("the control character U+{:04X}", u32::from(c)),
                _ => "a non-ASCII character".to_string(),
            }
        ))),
    }
}

/// AWS region codes: lowercase letters, digits and single hyphens (us-east-1, eu-central-2).
type ProfileFile<'a> = Option<(&'a PathBuf, Ini)>;

/// The AWS config and credentials files `inputs` read, parsed.
fn profile_files(inputs: &Inputs) -> (ProfileFile<'_>, ProfileFile<'_>) {
    (
        inputs
            .config_file
            .as_ref()
            .map(|(p, t)| (p, parse_ini(t, true))),
        inputs
            .credentials_file
            .as_ref()
            .map(|(p, t)| (p, parse_ini(t, false))),
    )
}

/// The error for a named profile defined in neither AWS file (`default` always counts).
fn undefined(
    name: &str,
    config: &Option<(&PathBuf, Ini)>,
    credentials: &Option<(&PathBuf, Ini)>,
    inputs: &Inputs,
) -> Option<Error> {
    let defined = |f: &Option<(&PathBuf, Ini)>| {
        f.as_ref()
            .is_some_and(|(_, ini)| ini.profiles.contains_key(name))
    };
    if name != "default" && !defined(config) && !defined(credentials) {
        let mut known: Vec<String> = [config, credentials]
            .iter()
            .filter_map(|f| f.as_ref())
            .flat_map(|(_, ini)| ini.profiles.keys().cloned())
            .collect();
        known.sort();
        known.dedup();
        let files = [&inputs.config_file, &inputs.credentials_file]
            .iter()
            .filter_map(|f| f.as_ref().map(|(p, _)| p.display().to_string()))
            .collect::<Vec<_>>();
        return Some(Error::Config(format!(
            "the AWS profile \"{name}\" is not defined in {}; defined: {}",
            if files.is_empty() {
                "any AWS config file (~/.aws/config and ~/.aws/credentials do not exist)"
                    .to_string()
            } else {
                files.join(" or ")
            },
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    None
}

/// The profile `name` is not defined in the AWS config or credentials file that
/// `inputs` read (the error says where it looked and what is defined).
pub fn check_profile_defined(inputs: &Inputs, name: &str) -> Result<()> {
    let (config, credentials) = profile_files(inputs);
    match undefined(name, &config, &credentials, inputs) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

pub fn check_region(region: &str, what: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 40
        && region.split('-').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && region.contains('-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "{what}: {} is not an AWS region code (like us-east-1 or eu-central-1)",
            printable(region)
        )))
    }
}

/// An endpoint is `http(s)://host[:port][/path]` with a real host.
pub fn check_endpoint(url: &str, what: &str) -> Result<()> {
    let fail = |why: &str| {
        Err(Error::invalid(format!(
            "{what} = {} is not a usable URL: {why} (example: http://127.0.0.1:5000)",
            printable(url)
        )))
    };
    if url.is_empty() {
        return fail("it is empty; unset the variable to use AWS's own endpoints");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return fail("it contains a space or control character");
    }
    let Some(rest) = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
    else {
        return fail("it must start with http:// or https://");
    };
    let uri: http::Uri = match url.parse() {
        Ok(u) => u,
        Err(_) => return fail("it does not parse as a URL"),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return fail("user names and passwords do not belong in an endpoint URL");
    }
    let Some(host) = uri.host().filter(|h| !h.is_empty()) else {
        return fail("it has no host");
    };
    if let Some(inner) = host.strip_prefix('[') {
        let ok = inner
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok());
        if !ok {
            return fail("the IPv6 address in brackets is not valid");
        }
    } else if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return fail("the host name has characters a host name cannot have");
    }
    if authority.ends_with(':') {
        return fail("the port is empty");
    }
    if uri.port_u16() == Some(0) {
        return fail("port 0 is not a port");
    }
    Ok(())
}

/// A value shown in an error, quoted, with control characters escaped.
fn printable(s: &str) -> String {
    format!("\"{}\"", crate::output::escape_control(s))
}

/// Just what the checks need from an AWS profile file.
#[derive(Debug, Default)]
struct Ini {
    /// Profile name -> key -> value.
    profiles: BTreeMap<String, BTreeMap<String, String>>,
    /// `endpoint_url` values under `[services NAME]` sections, with the section name.
    service_endpoints: Vec<(String, String)>,
}

/// Sections are `[default]`, `[profile NAME]` (config) or `[NAME]` (credentials),
/// and `[services NAME]` / `[sso-session NAME]`; lines are `key = value`, and
/// indented lines are sub-properties (used by `services` sections).
fn parse_ini(text: &str, is_config: bool) -> Ini {
    enum Section {
        Profile(String),
        Services(String),
        Other,
    }
    let mut ini = Ini::default();
    let mut current = Section::Other;
    for raw in text.lines() {
        let line = raw;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            let header = header.trim();
            current = if let Some(name) = header.strip_prefix("services ") {
                Section::Services(name.trim().to_string())
            } else if let Some(name) = header.strip_prefix("profile ") {
                Section::Profile(name.trim().to_string())
            } else if header.starts_with("sso-session ") {
                Section::Other
            } else if header == "default" || !is_config {
                Section::Profile(header.to_string())
            } else {
                Section::Other
            };
            if let Section::Profile(name) = &current {
                ini.profiles.entry(name.clone()).or_default();
            }
            continue;
        }
        let Some((key, value)) = line.trim_start_matches([' ', '\t']).split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        // The profile parsers trim spaces, not carriage returns: keep them to report.
        let value = value.trim_matches([' ', '\t']).to_string();
        let indented = line.starts_with([' ', '\t']);
        match &current {
            Section::Profile(name) if !indented => {
                if let Some(p) = ini.profiles.get_mut(name) {
                    p.insert(key, value);
                }
            }
            Section::Services(name) if key == "endpoint_url" && !value.is_empty() => {
                ini.service_endpoints.push((name.clone(), value));
            }
            _ => {}
        }
    }
    ini
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn endpoints_must_be_real_urls() {
        for ok in [
            "http://127.0.0.1:5000",
            "https://ssm.us-east-1.amazonaws.com",
            "http://[::1]:4566",
            "http://localhost:4566/",
            "http://moto_server:5000",
        ] {
            assert!(check_endpoint(ok, "x").is_ok(), "{ok}");
        }
        for bad in [
            "",
            "localhost:4566",
            "http://[::1",
            "http://exa mple.com",
            "http://",
            "http://:80",
            "ftp://host",
            "http://user:pw@host", // pragma: allowlist secret
            "http://host:",
            "http://host:0",
            "http://host\r",
            "http://ho%st",
        ] {
            let e = check_endpoint(bad, "AWS_ENDPOINT_URL_SSM").expect_err(bad);
            assert_eq!(e.exit_code(), crate::ExitCode::Usage, "{bad}");
            assert!(e.to_string().contains("AWS_ENDPOINT_URL_SSM"), "{e}");
        }
    }

    #[test]
    fn every_endpoint_source_is_checked() {
        let base = Inputs {
            env: env(&[("AWS_ENDPOINT_URL_SSM", "localhost:4566")]),
            ..Inputs::default()
        };
        assert!(check(&base).is_err());
        let ignored = Inputs {
            env: env(&[
                ("AWS_ENDPOINT_URL_SSM", "localhost:4566"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ]),
            ..Inputs::default()
        };
        assert!(check(&ignored).is_ok());
        let profile = Inputs {
            config_file: Some((
                "cfg".into(),
                "[profile dev]\nregion = us-east-1\nendpoint_url = localhost:4566\n".into(),
            )),
            profile: Some("dev".into()),
            ..Inputs::default()
        };
        let e = check(&profile).expect_err("profile endpoint");
        assert!(e.to_string().contains("profile \"dev\""), "{e}");
        let services = Inputs {
            config_file: Some((
                "cfg".into(),
                "[default]\nservices = s\n[services s]\nssm =\n  endpoint_url = http://[::1\n"
                    .into(),
            )),
            ..Inputs::default()
        };
        assert!(check(&services).is_err());
    }

    #[test]
    fn credentials_with_control_characters_are_refused_without_echo() {
        let i = Inputs {
            env: env(&[
                ("AWS_ACCESS_KEY_ID", "AKIATEST\r"),
                ("AWS_SECRET_ACCESS_KEY", "s3cret"),
            ]),
            ..Inputs::default()
        };
        let e = check(&i).expect_err("cr");
        let msg = e.to_string();
        assert!(
            msg.contains("AWS_ACCESS_KEY_ID") && msg.contains("carriage return"),
            "{msg}"
        );
        assert!(!msg.contains("AKIATEST"), "{msg}");
        let file = Inputs {
            // CRLF line endings are fine (the SDK's parser splits them too); a stray CR is not.
            credentials_file: Some((
                "creds".into(),
                "[default]\r\naws_access_key_id = AKIA\r".into(),
            )),
            ..Inputs::default()
        };
        assert!(check(&file).is_err());
    }

    #[test]
    fn unknown_profile_is_named_with_the_defined_ones() {
        let i = Inputs {
            profile: Some("nosuch".into()),
            config_file: Some(("cfg".into(), "[profile dev]\n[default]\n".into())),
            credentials_file: Some(("creds".into(), "[ci]\n".into())),
            ..Inputs::default()
        };
        let e = check(&i).expect_err("unknown");
        let msg = e.to_string();
        assert!(
            msg.contains("\"nosuch\"") && msg.contains("ci, default, dev"),
            "{msg}"
        );
        assert_eq!(e.exit_code(), crate::ExitCode::Config);
        let known = Inputs {
            profile: Some("ci".into()),
            ..i
        };
        assert!(check(&known).is_ok());
    }

    #[test]
    fn retry_settings_that_would_panic_the_sdk_are_config_errors() {
        for (k, v) in [
            ("AWS_MAX_ATTEMPTS", "abc"),
            ("AWS_MAX_ATTEMPTS", "0"),
            ("AWS_RETRY_MODE", "bogus"),
        ] {
            let i = Inputs {
                env: env(&[(k, v)]),
                ..Inputs::default()
            };
            let e = check(&i).expect_err(v);
            assert_eq!(e.exit_code(), crate::ExitCode::Config, "{e}");
        }
        let ok = Inputs {
            env: env(&[("AWS_MAX_ATTEMPTS", "3"), ("AWS_RETRY_MODE", "Standard")]),
            ..Inputs::default()
        };
        assert!(check(&ok).is_ok());
    }

    #[test]
    fn regions_are_codes() {
        assert!(check_region("us-east-1", "r").is_ok());
        assert!(check_region("eu-central-2", "r").is_ok());
        for bad in [
            "us east 1",
            "",
            "US-EAST-1",
            "us-east-1\r",
            "useast1",
            "us--east-1",
        ] {
            let e = check_region(bad, "--region").expect_err(bad);
            assert_eq!(e.exit_code(), crate::ExitCode::Usage);
        }
    }
}
