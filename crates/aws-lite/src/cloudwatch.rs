//! CloudWatch: the `AWS/Billing EstimatedCharges` metric (us-east-1 only, and only when
//! "Receive Billing Alerts" is on), a free cross-check of Cost Explorer.

use crate::client::{CLOUDWATCH, Client};
use crate::xml;
use aws_core::error::Result;

pub struct CloudWatch {
    client: Client,
}

impl CloudWatch {
    /// A client for the billing metrics, which live in us-east-1.
    pub fn billing(sdk: &aws_types::SdkConfig) -> Result<CloudWatch> {
        Ok(CloudWatch {
            client: Client::new(sdk, CLOUDWATCH, Some("us-east-1"))?,
        })
    }

    /// The latest EstimatedCharges (USD) of `[start, end)`, or `None` when the account
    /// publishes none.
    pub async fn estimated_charges(
        &self,
        start: jiff::Timestamp,
        end: jiff::Timestamp,
    ) -> Result<Option<f64>> {
        let p = |k: &str, v: &str| (k.to_string(), v.to_string());
        // Whole seconds: ISO 8601 as every CloudWatch implementation parses it.
        let second = |t: jiff::Timestamp| t.round(jiff::Unit::Second).unwrap_or(t).to_string();
        let params = [
            p("Namespace", "AWS/Billing"),
            p("MetricName", "EstimatedCharges"),
            p("Dimensions.member.1.Name", "Currency"),
            p("Dimensions.member.1.Value", "USD"),
            p("StartTime", &second(start)),
            p("EndTime", &second(end)),
            p("Period", "21600"),
            p("Statistics.member.1", "Maximum"),
        ];
        let body = self.client.call("GetMetricStatistics", &params).await?;
        let points = xml::members(&body, "Datapoints", "member", |n| {
            (
                xml::text(n, "Timestamp"),
                xml::text(n, "Maximum").parse::<f64>().ok(),
            )
        })?;
        Ok(points
            .into_iter()
            .filter_map(|(t, v)| Some((t.parse::<jiff::Timestamp>().ok()?, v?)))
            .max_by_key(|(t, _)| *t)
            .map(|(_, v)| v))
    }
}
