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

    /// Every parameter under `path`, following pagination (10 per page in SSM).
    pub async fn list(&self, path: &str, recursive: bool, decrypt: bool) -> Result<Vec<Param>> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = aws_core::paging::Pages::new();
        loop {
            let page = self
                .client
                .get_parameters_by_path()
                .path(path)
                .recursive(recursive)
                .with_decryption(decrypt)
                .max_results(10)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| Error::from_sdk("ssm:GetParametersByPath", e))?;
            out.extend(
                page.parameters
                    .unwrap_or_default()
                    .into_iter()
                    .map(|p| param_from(p, decrypt)),
            );
            token = pages.next("ssm:GetParametersByPath", page.next_token)?;
            if token.is_none() {
                break;
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
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
