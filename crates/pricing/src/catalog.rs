//! The pricing catalog: a data file (`data/pricing.toml`), one entry per priced
//! dimension, each with its unit, per-region price and source.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The catalog shipped with the tool.
pub const BUILTIN: &str = include_str!("../data/pricing.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub effective: String,
    pub hours_per_month: f64,
    #[serde(rename = "price")]
    pub prices: Vec<Price>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub id: String,
    pub description: String,
    pub unit: String,
    pub source: String,
    #[serde(default = "high")]
    pub confidence: String,
    pub regions: BTreeMap<String, f64>,
}

fn high() -> String {
    "high".into()
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CatalogError {
    #[error("pricing catalog {origin}: {message}")]
    Invalid { origin: String, message: String },
    #[error("no price for {id} in {region}; priced regions: {known}")]
    NoRegion {
        id: String,
        region: String,
        known: String,
    },
    #[error("the pricing catalog has no entry {0}")]
    Missing(String),
    #[error(
        "the price catalog has no prices for {region} (priced regions: {known}); pass --catalog FILE with prices for it, or --region to estimate as one of those regions: never done silently"
    )]
    RegionNotPriced { region: String, known: String },
}

impl Catalog {
    pub fn builtin() -> Catalog {
        // The shipped file is checked by a unit test, so this cannot fail at run time.
        #[allow(clippy::expect_used)]
        Catalog::parse(BUILTIN, "builtin").expect("builtin catalog is valid")
    }

    pub fn parse(text: &str, origin: &str) -> Result<Catalog, CatalogError> {
        let cat: Catalog = toml::from_str(text).map_err(|e| CatalogError::Invalid {
            origin: origin.into(),
            message: e.to_string(),
        })?;
        let mut seen = std::collections::BTreeSet::new();
        for p in &cat.prices {
            if !seen.insert(p.id.as_str()) {
                return Err(CatalogError::Invalid {
                    origin: origin.into(),
                    message: format!("duplicate entry {}", p.id),
                });
            }
            if let Some((r, v)) = p
                .regions
                .iter()
                .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
            {
                return Err(CatalogError::Invalid {
                    origin: origin.into(),
                    message: format!("{} has an invalid price {v} for {r}", p.id),
                });
            }
        }
        Ok(cat)
    }

    pub fn entry(&self, id: &str) -> Result<&Price, CatalogError> {
        self.prices
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(|| CatalogError::Missing(id.into()))
    }

    /// Price of `id` in `region`.
    pub fn price(&self, id: &str, region: &str) -> Result<f64, CatalogError> {
        let e = self.entry(id)?;
        e.regions
            .get(region)
            .copied()
            .ok_or_else(|| CatalogError::NoRegion {
                id: id.into(),
                region: region.into(),
                known: e.regions.keys().cloned().collect::<Vec<_>>().join(", "),
            })
    }

    pub fn regions(&self) -> Vec<String> {
        let mut r: Vec<String> = self
            .prices
            .iter()
            .flat_map(|p| p.regions.keys().cloned())
            .collect();
        r.sort();
        r.dedup();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries checked in only some regions; elsewhere their resources are "not
    /// priced" (the estimate says it is incomplete), never priced as another region.
    const PARTIAL: [&str; 3] = [
        "elb.nlb.nlcu_hour",
        "apigateway.http.million_requests",
        "apigateway.rest.million_requests",
    ];

    #[test]
    fn builtin_catalog_covers_every_region_for_every_entry() {
        let c = Catalog::builtin();
        let regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"];
        for p in &c.prices {
            for r in regions {
                assert!(
                    p.regions.contains_key(r)
                        || (PARTIAL.contains(&p.id.as_str()) && r.starts_with("eu-")),
                    "{} lacks {r}",
                    p.id
                );
            }
            assert!(
                p.source.starts_with("https://"),
                "{} needs a source URL",
                p.id
            );
        }
        assert_eq!(c.hours_per_month, 730.0);
    }

    #[test]
    fn us_east_1_figures_match_the_reference_sheet() {
        let c = Catalog::builtin();
        let p = |id: &str| c.price(id, "us-east-1").expect(id);
        assert_eq!(p("fargate.x86.vcpu_hour"), 0.04048);
        assert_eq!(p("fargate.x86.gb_hour"), 0.004445);
        assert_eq!(p("fargate.arm.vcpu_hour"), 0.03238);
        assert_eq!(p("elb.alb.hour"), 0.0225);
        assert_eq!(p("vpc.public_ipv4.hour"), 0.005);
        assert_eq!(p("vpc.nat_gateway.hour"), 0.045);
        assert_eq!(p("rds.extended_support.vcpu_hour"), 0.100);
    }

    #[test]
    fn unknown_region_lists_known_ones() {
        let c = Catalog::builtin();
        let e = c
            .price("elb.alb.hour", "ap-south-1")
            .expect_err("unpriced region");
        assert!(e.to_string().contains("us-east-1"), "{e}");
    }

    #[test]
    fn bad_catalogs_are_rejected() {
        let dup = "effective='x'\nhours_per_month=730\n[[price]]\nid='a'\ndescription='d'\nunit='u'\nsource='https://x'\nregions={us-east-1=1}\n[[price]]\nid='a'\ndescription='d'\nunit='u'\nsource='https://x'\nregions={us-east-1=1}\n";
        assert!(Catalog::parse(dup, "t").is_err());
        let neg = "effective='x'\nhours_per_month=730\n[[price]]\nid='a'\ndescription='d'\nunit='u'\nsource='https://x'\nregions={us-east-1=-1}\n";
        assert!(Catalog::parse(neg, "t").is_err());
    }
}
