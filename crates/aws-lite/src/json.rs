//! Secrets Manager, KMS and SSM over AWS JSON 1.1: what the trap scan counts, and the
//! spend cap's record.

use crate::client::{Client, KMS, SECRETS_MANAGER, SSM};
use aws_core::error::Result;
use aws_core::paging::Pages;
use serde_json::{Value, json};

/// How a JSON list call names its continuation: in the answer and in the next request.
#[derive(Clone, Copy)]
enum Cursor {
    /// Secrets Manager: `NextToken` both ways.
    NextToken,
    /// KMS: `NextMarker` in the answer (with `Truncated`), `Marker` in the request.
    Marker,
}

impl Cursor {
    fn answer_key(self) -> &'static str {
        match self {
            Cursor::NextToken => "NextToken", // pragma: allowlist secret (a field name)
            Cursor::Marker => "NextMarker",
        }
    }
    fn request_key(self) -> &'static str {
        match self {
            Cursor::NextToken => "NextToken", // pragma: allowlist secret (a field name)
            Cursor::Marker => "Marker",
        }
    }
}

/// Every page of a JSON list call.
async fn pages(
    client: &Client,
    iam: &str,
    action: &str,
    list: &str,
    limit_key: &str,
    cursor: Cursor,
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut guard = Pages::new();
    let mut next: Option<String> = None;
    loop {
        let mut input = json!({ limit_key: 100 });
        if let Some(n) = &next {
            input[cursor.request_key()] = Value::from(n.clone());
        }
        let page = client.call_json(action, &input).await?;
        out.extend(
            page.get(list)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        );
        let more = page
            .get(cursor.answer_key())
            .and_then(Value::as_str)
            .map(str::to_string);
        let truncated = page
            .get("Truncated")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        next = guard.next(iam, more.filter(|_| truncated))?;
        if next.is_none() {
            return Ok(out);
        }
    }
}

/// The names of the region's secrets (each billed per month).
pub async fn secret_names(sdk: &aws_types::SdkConfig) -> Result<Vec<String>> {
    let client = Client::new(sdk, SECRETS_MANAGER, None)?;
    let list = pages(
        &client,
        "secretsmanager:ListSecrets",
        "ListSecrets",
        "SecretList",
        "MaxResults",
        Cursor::NextToken,
    )
    .await?;
    Ok(list
        .iter()
        .filter(|s| s.get("DeletedDate").is_none())
        .filter_map(|s| s.get("Name").and_then(Value::as_str).map(str::to_string))
        .collect())
}

/// The region's customer-managed KMS keys that are billed (not pending deletion):
/// (key id, state).
pub async fn customer_keys(sdk: &aws_types::SdkConfig) -> Result<Vec<(String, String)>> {
    let client = Client::new(sdk, KMS, None)?;
    let keys = pages(
        &client,
        "kms:ListKeys",
        "ListKeys",
        "Keys",
        "Limit",
        Cursor::Marker,
    )
    .await?;
    let mut out = Vec::new();
    for k in keys {
        let Some(id) = k.get("KeyId").and_then(Value::as_str) else {
            continue;
        };
        let d = client
            .call_json("DescribeKey", &json!({ "KeyId": id }))
            .await?;
        let meta = &d["KeyMetadata"];
        let state = meta["KeyState"].as_str().unwrap_or_default();
        if meta["KeyManager"] == "CUSTOMER"
            && state != "PendingDeletion"
            && state != "PendingReplicaDeletion"
        {
            out.push((id.to_string(), state.to_string()));
        }
    }
    Ok(out)
}

/// An SSM parameter's type and value, never decrypted (`WithDecryption: false`: a
/// SecureString's value is not fetched); `None` when there is no such parameter.
pub async fn plain_parameter(
    sdk: &aws_types::SdkConfig,
    name: &str,
) -> Result<Option<(String, String)>> {
    let client = Client::new(sdk, SSM, None)?;
    let answer = client
        .call_json(
            "GetParameter",
            &json!({ "Name": name, "WithDecryption": false }),
        )
        .await;
    let page = match answer {
        Ok(p) => p,
        Err(aws_core::Error::Aws { code, .. }) if code == "ParameterNotFound" => return Ok(None),
        Err(e) => return Err(e),
    };
    let p = page.get("Parameter");
    let field = |k: &str| {
        p.and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok(Some((field("Type"), field("Value"))))
}
