//! RDS: the DB instances of the region (engine, version, class), for the Extended
//! Support check.

use crate::client::{Client, RDS};
use crate::xml;
use aws_core::error::Result;
use aws_core::paging::Pages;

#[derive(Debug, Clone, PartialEq)]
pub struct DbInstance {
    pub id: String,
    pub engine: String,
    pub engine_version: String,
    pub class: String,
    pub status: String,
    /// `open-source-rds-extended-support` (enrolled) or `...-disabled`, when reported.
    pub lifecycle_support: Option<String>,
}

pub struct Rds {
    client: Client,
}

impl Rds {
    pub fn new(sdk: &aws_types::SdkConfig) -> Result<Rds> {
        Ok(Rds {
            client: Client::new(sdk, RDS, None)?,
        })
    }

    pub fn requests(&self) -> usize {
        self.client.requests()
    }

    pub async fn db_instances(&self) -> Result<Vec<DbInstance>> {
        let mut out = Vec::new();
        let mut pages = Pages::new();
        let mut marker: Option<String> = None;
        loop {
            let mut params = vec![("MaxRecords".to_string(), "100".to_string())];
            if let Some(m) = &marker {
                params.push(("Marker".into(), m.clone()));
            }
            let body = self.client.call("DescribeDBInstances", &params).await?;
            out.extend(xml::members(&body, "DBInstances", "DBInstance", |n| {
                DbInstance {
                    id: xml::text(n, "DBInstanceIdentifier"),
                    engine: xml::text(n, "Engine"),
                    engine_version: xml::text(n, "EngineVersion"),
                    class: xml::text(n, "DBInstanceClass"),
                    status: xml::text(n, "DBInstanceStatus"),
                    lifecycle_support: xml::opt(n, "EngineLifecycleSupport"),
                }
            })?);
            marker = pages.next("rds:DescribeDBInstances", xml::find_text(&body, "Marker"))?;
            if marker.is_none() {
                return Ok(out);
            }
        }
    }
}
