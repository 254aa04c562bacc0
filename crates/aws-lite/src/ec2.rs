//! EC2: Elastic IPs, network interfaces, volumes, snapshots, VPCs, NAT gateways and VPC
//! endpoints, as plain records.

use crate::client::{Client, EC2};
use crate::xml;
use aws_core::error::Result;
use aws_core::paging::Pages;
use std::collections::BTreeMap;

pub type Tags = BTreeMap<String, String>;

/// A `Filter.N` of a Describe call: `name` is one of the call's filter names
/// (`tag:KEY`, `vpc-id`, `status`, ...), matched against any of `values`.
#[derive(Debug, Clone)]
pub struct Filter {
    pub name: String,
    pub values: Vec<String>,
}

impl Filter {
    pub fn new(name: impl Into<String>, values: &[&str]) -> Filter {
        Filter {
            name: name.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }
}

/// An Elastic IP address.
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub allocation_id: String,
    pub public_ip: String,
    /// Set when the address is associated with an instance or a network interface.
    pub association_id: Option<String>,
    pub network_interface_id: Option<String>,
    pub instance_id: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkInterface {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    /// `available` (attached to nothing), `in-use`, ...
    pub status: String,
    /// Created and owned by an AWS service (a load balancer, a NAT gateway, Fargate).
    pub requester_managed: bool,
    pub interface_type: String,
    pub description: String,
    /// The public IPv4 address associated with it, if any.
    pub public_ip: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    pub id: String,
    pub size_gib: u64,
    pub volume_type: String,
    /// `available` (attached to nothing), `in-use`, ...
    pub state: String,
    pub attachments: usize,
    pub create_time: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub id: String,
    pub volume_id: String,
    pub state: String,
    /// RFC 3339.
    pub start_time: String,
    /// The source volume's size: what a full copy of it stores (an upper bound).
    pub volume_size_gib: u64,
    pub description: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Vpc {
    pub id: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NatGateway {
    pub id: String,
    /// `available`, `pending`, `deleting`, `deleted`, `failed`.
    pub state: String,
    pub vpc_id: String,
    pub public_ips: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VpcEndpoint {
    pub id: String,
    /// `Interface`, `Gateway`, `GatewayLoadBalancer`.
    pub endpoint_type: String,
    pub service_name: String,
    pub state: String,
    /// One billed endpoint network interface per subnet (AZ).
    pub subnets: usize,
}

/// The EC2 adapter.
pub struct Ec2 {
    client: Client,
}

impl Ec2 {
    pub fn new(sdk: &aws_types::SdkConfig) -> Result<Ec2> {
        Ok(Ec2 {
            client: Client::new(sdk, EC2, None)?,
        })
    }

    /// HTTP requests sent so far.
    pub fn requests(&self) -> usize {
        self.client.requests()
    }

    pub async fn describe_addresses(&self, filters: &[Filter]) -> Result<Vec<Address>> {
        let body = self
            .client
            .call("DescribeAddresses", &filter_params(filters))
            .await?;
        xml::items(&body, "addressesSet", |n| Address {
            allocation_id: xml::text(n, "allocationId"),
            public_ip: xml::text(n, "publicIp"),
            association_id: xml::opt(n, "associationId"),
            network_interface_id: xml::opt(n, "networkInterfaceId"),
            instance_id: xml::opt(n, "instanceId"),
            tags: xml::tags(n),
        })
    }

    pub async fn release_address(&self, allocation_id: &str) -> Result<()> {
        let params = [("AllocationId".to_string(), allocation_id.to_string())];
        self.client.call("ReleaseAddress", &params).await.map(drop)
    }

    pub async fn describe_network_interfaces(
        &self,
        filters: &[Filter],
    ) -> Result<Vec<NetworkInterface>> {
        self.paged("DescribeNetworkInterfaces", filters, &[], |body| {
            xml::items(body, "networkInterfaceSet", |n| NetworkInterface {
                id: xml::text(n, "networkInterfaceId"),
                vpc_id: xml::text(n, "vpcId"),
                subnet_id: xml::text(n, "subnetId"),
                status: xml::text(n, "status"),
                requester_managed: xml::text(n, "requesterManaged") == "true",
                interface_type: xml::text(n, "interfaceType"),
                description: xml::text(n, "description"),
                public_ip: xml::child(n, "association").and_then(|a| xml::opt(a, "publicIp")),
                tags: xml::tags(n),
            })
        })
        .await
    }

    pub async fn delete_network_interface(&self, id: &str) -> Result<()> {
        let params = [("NetworkInterfaceId".to_string(), id.to_string())];
        self.client
            .call("DeleteNetworkInterface", &params)
            .await
            .map(drop)
    }

    pub async fn describe_volumes(&self, filters: &[Filter]) -> Result<Vec<Volume>> {
        self.paged("DescribeVolumes", filters, &[], |body| {
            xml::items(body, "volumeSet", |n| Volume {
                id: xml::text(n, "volumeId"),
                size_gib: xml::text(n, "size").parse().unwrap_or(0),
                volume_type: xml::text(n, "volumeType"),
                state: xml::text(n, "status"),
                attachments: xml::child(n, "attachmentSet").map_or(0, |s| {
                    s.children().filter(|c| c.has_tag_name("item")).count()
                }),
                create_time: xml::text(n, "createTime"),
                tags: xml::tags(n),
            })
        })
        .await
    }

    pub async fn delete_volume(&self, id: &str) -> Result<()> {
        let params = [("VolumeId".to_string(), id.to_string())];
        self.client.call("DeleteVolume", &params).await.map(drop)
    }

    /// Snapshots this account owns (`Owner.1=self`) that match `filters`.
    pub async fn describe_own_snapshots(&self, filters: &[Filter]) -> Result<Vec<Snapshot>> {
        let owner = [("Owner.1".to_string(), "self".to_string())];
        self.paged("DescribeSnapshots", filters, &owner, |body| {
            xml::items(body, "snapshotSet", |n| Snapshot {
                id: xml::text(n, "snapshotId"),
                volume_id: xml::text(n, "volumeId"),
                state: xml::text(n, "status"),
                start_time: xml::text(n, "startTime"),
                volume_size_gib: xml::text(n, "volumeSize").parse().unwrap_or(0),
                description: xml::text(n, "description"),
                tags: xml::tags(n),
            })
        })
        .await
    }

    pub async fn delete_snapshot(&self, id: &str) -> Result<()> {
        let params = [("SnapshotId".to_string(), id.to_string())];
        self.client.call("DeleteSnapshot", &params).await.map(drop)
    }

    pub async fn describe_vpcs(&self, filters: &[Filter]) -> Result<Vec<Vpc>> {
        let body = self
            .client
            .call("DescribeVpcs", &filter_params(filters))
            .await?;
        xml::items(&body, "vpcSet", |n| Vpc {
            id: xml::text(n, "vpcId"),
            tags: xml::tags(n),
        })
    }

    pub async fn describe_nat_gateways(&self, filters: &[Filter]) -> Result<Vec<NatGateway>> {
        // DescribeNatGateways names its filters `Filter.N` too.
        self.paged("DescribeNatGateways", filters, &[], |body| {
            xml::items(body, "natGatewaySet", |n| NatGateway {
                id: xml::text(n, "natGatewayId"),
                state: xml::text(n, "state"),
                vpc_id: xml::text(n, "vpcId"),
                public_ips: xml::child(n, "natGatewayAddressSet")
                    .into_iter()
                    .flat_map(|set| set.children().filter(|c| c.has_tag_name("item")))
                    .filter_map(|a| xml::opt(a, "publicIp"))
                    .collect(),
            })
        })
        .await
    }

    pub async fn describe_vpc_endpoints(&self, filters: &[Filter]) -> Result<Vec<VpcEndpoint>> {
        self.paged("DescribeVpcEndpoints", filters, &[], |body| {
            xml::items(body, "vpcEndpointSet", |n| VpcEndpoint {
                id: xml::text(n, "vpcEndpointId"),
                endpoint_type: xml::text(n, "vpcEndpointType"),
                service_name: xml::text(n, "serviceName"),
                state: xml::text(n, "state"),
                subnets: xml::child(n, "subnetIdSet").map_or(0, |s| {
                    s.children().filter(|c| c.has_tag_name("item")).count()
                }),
            })
        })
        .await
    }

    /// Every page of a Describe call that pages with `NextToken`/`MaxResults`.
    async fn paged<T>(
        &self,
        action: &str,
        filters: &[Filter],
        extra: &[(String, String)],
        parse: impl Fn(&str) -> Result<Vec<T>>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut pages = Pages::new();
        let mut token: Option<String> = None;
        loop {
            let mut params = filter_params(filters);
            params.extend(extra.iter().cloned());
            params.push(("MaxResults".into(), "1000".into()));
            if let Some(t) = &token {
                params.push(("NextToken".into(), t.clone()));
            }
            let body = self.client.call(action, &params).await?;
            out.extend(parse(&body)?);
            token = pages.next(&format!("ec2:{action}"), xml::next_token(&body))?;
            if token.is_none() {
                return Ok(out);
            }
        }
    }
}

/// `Filter.1.Name=…&Filter.1.Value.1=…` (1-based, as the Query protocol numbers lists).
fn filter_params(filters: &[Filter]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, f) in filters.iter().enumerate() {
        out.push((format!("Filter.{}.Name", i + 1), f.name.clone()));
        for (j, v) in f.values.iter().enumerate() {
            out.push((format!("Filter.{}.Value.{}", i + 1, j + 1), v.clone()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_are_numbered_from_one() {
        let p = filter_params(&[
            Filter::new("vpc-id", &["vpc-1"]),
            Filter::new("status", &["available", "in-use"]),
        ]);
        let flat: Vec<String> = p.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            flat,
            [
                "Filter.1.Name=vpc-id",
                "Filter.1.Value.1=vpc-1",
                "Filter.2.Name=status",
                "Filter.2.Value.1=available",
                "Filter.2.Value.2=in-use",
            ]
        );
    }
}
