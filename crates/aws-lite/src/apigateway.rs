//! API Gateway v2 (HTTP APIs) over REST-JSON: the stage throttle `ecs-scale resume`
//! restores after the spend cap set it to 0 (terraform/modules/cost-guard).

use crate::client::{APIGATEWAY_V2, Client};
use aws_core::error::Result;
use aws_types::SdkConfig;
use serde_json::json;

/// The default route throttle of a stage; `None` where the stage sets none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throttle {
    pub burst: Option<i64>,
    pub rate: Option<f64>,
}

pub struct ApiGateway {
    client: Client,
}

impl ApiGateway {
    pub fn new(sdk: &SdkConfig) -> Result<ApiGateway> {
        Ok(ApiGateway {
            client: Client::new(sdk, APIGATEWAY_V2, None)?,
        })
    }

    fn path(api_id: &str, stage: &str) -> String {
        format!(
            "v2/apis/{}/stages/{}",
            aws_core::text::percent_encode(api_id),
            aws_core::text::percent_encode(stage)
        )
    }

    /// Sets the stage's default route throttle; a `None` field is left as it is.
    pub async fn set_throttle(&self, api_id: &str, stage: &str, t: Throttle) -> Result<()> {
        let mut route = serde_json::Map::new();
        if let Some(b) = t.burst {
            route.insert("throttlingBurstLimit".into(), json!(b));
        }
        if let Some(r) = t.rate {
            route.insert("throttlingRateLimit".into(), json!(r));
        }
        self.client
            .call_rest(
                "UpdateStage",
                "PATCH",
                &Self::path(api_id, stage),
                Some(&json!({ "defaultRouteSettings": route })),
            )
            .await?;
        Ok(())
    }
}
