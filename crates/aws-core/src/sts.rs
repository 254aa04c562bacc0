//! The STS adapter every tool shares: who the credentials are. `aws-config` already
//! compiles `aws-sdk-sts` (it assumes roles with it), so this costs no build time.

use crate::error::{Error, Result};
use aws_config::SdkConfig;

/// Who is calling, printed before anything changes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Identity {
    pub account: String,
    pub arn: String,
}

/// `sts:GetCallerIdentity`: needs no permission, proves the credentials work.
pub async fn caller_identity(sdk: &SdkConfig) -> Result<Identity> {
    let out = aws_sdk_sts::Client::new(sdk)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| Error::from_sdk("sts:GetCallerIdentity", e))?;
    Ok(Identity {
        account: out.account.unwrap_or_default(),
        arn: out.arn.unwrap_or_default(),
    })
}
