//! Elastic Load Balancing v2: load balancers, their target groups and target health,
//! to find a load balancer that bills by the hour and serves nothing.

use crate::client::{Client, ELBV2};
use crate::xml;
use aws_core::error::Result;
use aws_core::paging::Pages;

#[derive(Debug, Clone, PartialEq)]
pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    /// `application`, `network`, `gateway`.
    pub kind: String,
    pub state: String,
}

pub struct Elbv2 {
    client: Client,
}

impl Elbv2 {
    pub fn new(sdk: &aws_types::SdkConfig) -> Result<Elbv2> {
        Ok(Elbv2 {
            client: Client::new(sdk, ELBV2, None)?,
        })
    }

    pub fn requests(&self) -> usize {
        self.client.requests()
    }

    pub async fn load_balancers(&self) -> Result<Vec<LoadBalancer>> {
        let mut out = Vec::new();
        let mut pages = Pages::new();
        let mut marker: Option<String> = None;
        loop {
            let mut params = vec![("PageSize".to_string(), "400".to_string())];
            if let Some(m) = &marker {
                params.push(("Marker".into(), m.clone()));
            }
            let body = self.client.call("DescribeLoadBalancers", &params).await?;
            out.extend(xml::members(&body, "LoadBalancers", "member", |n| {
                LoadBalancer {
                    arn: xml::text(n, "LoadBalancerArn"),
                    name: xml::text(n, "LoadBalancerName"),
                    kind: xml::text(n, "Type"),
                    state: xml::child(n, "State")
                        .map(|s| xml::text(s, "Code"))
                        .unwrap_or_default(),
                }
            })?);
            marker = pages.next(
                "elasticloadbalancing:DescribeLoadBalancers",
                xml::find_text(&body, "NextMarker"),
            )?;
            if marker.is_none() {
                return Ok(out);
            }
        }
    }

    /// The target groups of a load balancer (ARNs).
    pub async fn target_groups(&self, load_balancer_arn: &str) -> Result<Vec<String>> {
        let params = [("LoadBalancerArn".to_string(), load_balancer_arn.to_string())];
        let body = self.client.call("DescribeTargetGroups", &params).await?;
        xml::members(&body, "TargetGroups", "member", |n| {
            xml::text(n, "TargetGroupArn")
        })
    }

    /// The health state of each registered target (`healthy`, `unhealthy`, ...).
    pub async fn target_states(&self, target_group_arn: &str) -> Result<Vec<String>> {
        let params = [("TargetGroupArn".to_string(), target_group_arn.to_string())];
        let body = self.client.call("DescribeTargetHealth", &params).await?;
        xml::members(&body, "TargetHealthDescriptions", "member", |n| {
            xml::child(n, "TargetHealth")
                .map(|h| xml::text(h, "State"))
                .unwrap_or_default()
        })
    }
}
