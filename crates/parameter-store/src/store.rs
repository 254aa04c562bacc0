//! Thin adapter over the SSM API: the only module that talks to AWS.

use crate::model::{Param, ParamType, Tier, timestamp};
use aws_core::{Error, Result};
use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::SdkError;

/// A write to SSM, already validated.
#[derive(Debug, Clone, PartialEq)]
pub struct PutRequest {
    pub name: String,
    pub value: String,
    pub kind: ParamType,
    pub overwrite: bool,
    pub description: Option<String>,
    pub key_id: Option<String>,
    pub tier: Tier,
    pub tags: Vec<(String, String)>,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// Written; the parameter's new version.
    Written(i64),
    /// A create (no overwrite) found the name taken; nothing was written.
    AlreadyExists,
}

/// One entry of GetParameterHistory.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HistoryEntry {
    pub version: i64,
    #[serde(rename = "type")]
    pub kind: ParamType,
    pub last_modified: Option<String>,
    pub modified_by: Option<String>,
    pub labels: Vec<String>,
    #[serde(skip)]
    pub value: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    region: String,
}

impl Store {
    pub fn new(client: Client, region: impl Into<String>) -> Self {
        Store {
            client,
            region: region.into(),
        }
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// One parameter, or `None` when it does not exist.
    pub async fn get(&self, name: &str, decrypt: bool) -> Result<Option<Param>> {
        let res = self
            .client
            .get_parameter()
            .name(name)
            .with_decryption(decrypt)
            .send()
            .await;
        match res {
            Ok(out) => Ok(out.parameter.map(|p| param_from(p, decrypt))),
            Err(SdkError::ServiceError(e)) if e.err().is_parameter_not_found() => Ok(None),
            Err(e) => Err(Error::from_sdk("ssm:GetParameter", e)),
        }
    }

    /// Every parameter under `path`, sorted by name.
    ///
    /// One `GetParametersByPath` page (10 parameters) answers a small path in one round
    /// trip. A larger one is listed wide: `DescribeParameters` enumerates names 50 per
    /// page, and as each page arrives its values are fetched with `GetParameters` (10
    /// names per call) while the next page is read, at most [`READ_TPS`] reads a second
    /// (the default throughput quota those calls share). For 1,000 parameters that is
    /// about 22 sequential round trips instead of paging `GetParametersByPath`'s 101,
    /// with the 100 value reads overlapping them at the quota's pace.
    pub async fn list(&self, path: &str, recursive: bool, decrypt: bool) -> Result<Vec<Param>> {
        let first = self
            .client
            .get_parameters_by_path()
            .path(path)
            .recursive(recursive)
            .with_decryption(decrypt)
            .max_results(10)
            .send()
            .await
            .map_err(|e| Error::from_sdk("ssm:GetParametersByPath", e))?;
        let more = first.next_token.as_deref().is_some_and(|t| !t.is_empty());
        let mut out: Vec<Param> = if more {
            self.list_wide(path, recursive, decrypt).await?
        } else {
            first
                .parameters
                .unwrap_or_default()
                .into_iter()
                .map(|p| param_from(p, decrypt))
                .collect()
        };
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out.dedup_by(|a, b| a.name == b.name);
        Ok(out)
    }

    /// The read rate this account allows: [`READ_TPS`], or [`HIGH_THROUGHPUT_READ_TPS`]
    /// when the account pays for higher throughput (a free read of the setting; when it
    /// cannot be read, the default).
    async fn read_tps(&self) -> u32 {
        let setting = self
            .client
            .get_service_setting()
            .setting_id("/ssm/parameter-store/high-throughput-enabled")
            .send()
            .await;
        let enabled = setting
            .ok()
            .and_then(|o| o.service_setting)
            .and_then(|s| s.setting_value);
        if enabled.as_deref() == Some("true") {
            HIGH_THROUGHPUT_READ_TPS
        } else {
            READ_TPS
        }
    }

    async fn list_wide(&self, path: &str, recursive: bool, decrypt: bool) -> Result<Vec<Param>> {
        let filter = aws_sdk_ssm::types::ParameterStringFilter::builder()
            .key("Path")
            .option(if recursive { "Recursive" } else { "OneLevel" })
            .values(path)
            .build()
            .map_err(|e| Error::invalid(format!("path {path}: {e}")))?;
        let limiter = RateLimiter::new(self.read_tps().await);
        let mut fetches = tokio::task::JoinSet::new();
        let mut token: Option<String> = None;
        let mut pages = aws_core::paging::Pages::new();
        let mut out = Vec::new();
        loop {
            let page = self
                .client
                .describe_parameters()
                .parameter_filters(filter.clone())
                .max_results(50)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| Error::from_sdk("ssm:DescribeParameters", e))?;
            let names: Vec<String> = page
                .parameters
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.name)
                .collect();
            for chunk in names.chunks(10) {
                let client = self.client.clone();
                let chunk = chunk.to_vec();
                let wait = limiter.next_slot();
                fetches.spawn(async move {
                    tokio::time::sleep_until(wait).await;
                    client
                        .get_parameters()
                        .set_names(Some(chunk))
                        .with_decryption(decrypt)
                        .send()
                        .await
                });
            }
            // Collect what has finished meanwhile, keeping memory bounded.
            while let Some(done) = fetches.try_join_next() {
                out.extend(fetched(done, decrypt)?);
            }
            token = pages.next("ssm:DescribeParameters", page.next_token)?;
            if token.is_none() {
                break;
            }
        }
        while let Some(done) = fetches.join_next().await {
            out.extend(fetched(done, decrypt)?);
        }
        Ok(out)
    }

    pub async fn history(&self, name: &str, decrypt: bool) -> Result<Vec<HistoryEntry>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = aws_core::paging::Pages::new();
        loop {
            let res = self
                .client
                .get_parameter_history()
                .name(name)
                .with_decryption(decrypt)
                .set_next_token(token.take())
                .send()
                .await;
            let page = match res {
                Ok(p) => p,
                Err(SdkError::ServiceError(e)) if e.err().is_parameter_not_found() => {
                    return Err(not_found(name));
                }
                Err(e) => return Err(Error::from_sdk("ssm:GetParameterHistory", e)),
            };
            for h in page.parameters.unwrap_or_default() {
                let kind = ParamType::from_sdk(h.r#type.as_ref());
                if kind.is_secure()
                    && decrypt
                    && let Some(v) = &h.value
                {
                    aws_core::secrets::register(v);
                }
                out.push(HistoryEntry {
                    version: h.version,
                    kind,
                    last_modified: timestamp(h.last_modified_date.as_ref()),
                    modified_by: h.last_modified_user,
                    labels: h.labels.unwrap_or_default(),
                    value: if kind.is_secure() && !decrypt {
                        None
                    } else {
                        h.value
                    },
                });
            }
            token = pages.next("ssm:GetParameterHistory", page.next_token)?;
            if token.is_none() {
                break;
            }
        }
        out.sort_by_key(|h| h.version);
        Ok(out)
    }

    /// Create or overwrite; returns the new version. A create of a name that exists
    /// is a usage error telling how to overwrite.
    pub async fn put(&self, req: &PutRequest) -> Result<i64> {
        match self.try_put(req).await? {
            Put::Written(version) => Ok(version),
            Put::AlreadyExists => Err(Error::invalid(format!(
                "parameter \"{}\" already exists; pass --overwrite to replace it \
                 (the old value stays in its history)",
                req.name
            ))),
        }
    }

    /// Create or overwrite, telling "already exists" (for a create) apart from errors.
    pub async fn try_put(&self, req: &PutRequest) -> Result<Put> {
        let mut call = self
            .client
            .put_parameter()
            .name(&req.name)
            .value(&req.value)
            .r#type(req.kind.to_sdk())
            .overwrite(req.overwrite)
            .tier(req.tier.to_sdk())
            .set_description(req.description.clone());
        if req.kind.is_secure()
            && let Some(k) = &req.key_id
        {
            call = call.key_id(k);
        }
        // SSM rejects Tags together with Overwrite=true; tag separately then.
        let tag_inline = !req.overwrite && !req.tags.is_empty();
        if tag_inline {
            call = call.set_tags(Some(sdk_tags(&req.tags)?));
        }
        let out = match call.send().await {
            Ok(o) => o,
            Err(SdkError::ServiceError(e)) if e.err().is_parameter_already_exists() => {
                return Ok(Put::AlreadyExists);
            }
            Err(e) => return Err(Error::from_sdk("ssm:PutParameter", e)),
        };
        if req.overwrite && !req.tags.is_empty() {
            self.client
                .add_tags_to_resource()
                .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
                .resource_id(&req.name)
                .set_tags(Some(sdk_tags(&req.tags)?))
                .send()
                .await
                .map_err(|e| Error::from_sdk("ssm:AddTagsToResource", e))?;
        }
        Ok(Put::Written(out.version))
    }

    /// Delete parameters (10 per call); returns the names SSM did not find.
    pub async fn delete(&self, names: &[String]) -> Result<Vec<String>> {
        let mut missing = Vec::new();
        for chunk in names.chunks(10) {
            let out = self
                .client
                .delete_parameters()
                .set_names(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| Error::from_sdk("ssm:DeleteParameters", e))?;
            missing.extend(out.invalid_parameters.unwrap_or_default());
        }
        Ok(missing)
    }
}

/// Reads a second that `list` sends at most: the default Parameter Store throughput
/// quota, shared by GetParameter, GetParameters and GetParametersByPath
/// (docs/architecture/parameter-store.md).
pub const READ_TPS: u32 = 40;
/// The same quota with higher throughput enabled (GetParameter and GetParameters share
/// 3,000; the wide listing uses GetParameters), kept well below it: other clients of
/// the account read too.
pub const HIGH_THROUGHPUT_READ_TPS: u32 = 1000;

type GetParametersResult = std::result::Result<
    aws_sdk_ssm::operation::get_parameters::GetParametersOutput,
    SdkError<
        aws_sdk_ssm::operation::get_parameters::GetParametersError,
        aws_sdk_ssm::config::http::HttpResponse,
    >,
>;

/// The values of one GetParameters call. A name listed a moment ago and deleted since
/// comes back as invalid: it is simply not there any more.
fn fetched(
    joined: std::result::Result<GetParametersResult, tokio::task::JoinError>,
    decrypt: bool,
) -> Result<Vec<Param>> {
    let out = joined
        .map_err(|e| Error::Failed(format!("a GetParameters task failed: {e}")))?
        .map_err(|e| Error::from_sdk("ssm:GetParameters", e))?;
    Ok(out
        .parameters
        .unwrap_or_default()
        .into_iter()
        .map(|p| param_from(p, decrypt))
        .collect())
}

/// Spaces requests `1/tps` apart: the instant each may be sent.
#[derive(Debug)]
struct RateLimiter {
    interval: std::time::Duration,
    next: std::sync::Mutex<tokio::time::Instant>,
}

impl RateLimiter {
    fn new(tps: u32) -> Self {
        RateLimiter {
            interval: std::time::Duration::from_secs(1) / tps.max(1),
            next: std::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    fn next_slot(&self) -> tokio::time::Instant {
        let now = tokio::time::Instant::now();
        match self.next.lock() {
            Ok(mut next) => {
                let slot = (*next).max(now);
                *next = slot + self.interval;
                slot
            }
            Err(_) => now,
        }
    }
}

pub fn not_found(name: &str) -> Error {
    Error::NotFound {
        what: format!("parameter \"{name}\""),
        hint: Some(
            "names are case-sensitive and fully qualified; `parameter-store list /` shows what exists \
             in this account and region"
                .into(),
        ),
    }
}

fn sdk_tags(tags: &[(String, String)]) -> Result<Vec<aws_sdk_ssm::types::Tag>> {
    tags.iter()
        .map(|(k, v)| {
            aws_sdk_ssm::types::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| Error::invalid(format!("tag {k}={v}: {e}")))
        })
        .collect()
}

fn param_from(p: aws_sdk_ssm::types::Parameter, decrypted: bool) -> Param {
    let kind = ParamType::from_sdk(p.r#type.as_ref());
    if kind.is_secure()
        && decrypted
        && let Some(v) = &p.value
    {
        aws_core::secrets::register(v);
    }
    Param {
        name: p.name.unwrap_or_default(),
        kind,
        version: p.version,
        last_modified: timestamp(p.last_modified_date.as_ref()),
        // Without decryption a SecureString value is ciphertext (or, in emulators,
        // something else): never keep it, so it cannot leak.
        value: if kind.is_secure() && !decrypted {
            None
        } else {
            p.value
        },
    }
}
