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
    /// The price per unit in each region (of the first tier, when there are tiers).
    pub regions: BTreeMap<String, f64>,
    /// Volume tiers: above `above` units a month, each region's lower price.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<Tier>,
}

/// A volume tier: the units of a month above `above` cost `regions[region]` each.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub above: f64,
    pub regions: BTreeMap<String, f64>,
}

/// `quantity` units of one month split by tier: (units, price per unit) each.
pub type Segments = Vec<(f64, f64)>;

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
            let all = std::iter::once(&p.regions).chain(p.tiers.iter().map(|t| &t.regions));
            for regions in all {
                if let Some((r, v)) = regions.iter().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
                    return Err(CatalogError::Invalid {
                        origin: origin.into(),
                        message: format!("{} has an invalid price {v} for {r}", p.id),
                    });
                }
            }
            let mut floor = 0.0;
            for t in &p.tiers {
                let same_regions = t.regions.keys().eq(p.regions.keys());
                if !(t.above.is_finite() && t.above > floor && same_regions) {
                    return Err(CatalogError::Invalid {
                        origin: origin.into(),
                        message: format!(
                            "{}: tiers must rise (above > {floor}) and price the same regions as the entry",
                            p.id
                        ),
                    });
                }
                floor = t.above;
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

    /// What `quantity` units of `id` in one month cost, each tier at its price:
    /// (total, the segments). Without tiers, one segment at [`Catalog::price`].
    pub fn cost(
        &self,
        id: &str,
        region: &str,
        quantity: f64,
    ) -> Result<(f64, Segments), CatalogError> {
        let first = self.price(id, region)?;
        let e = self.entry(id)?;
        let mut bounds: Vec<(f64, f64)> = vec![(0.0, first)];
        for t in &e.tiers {
            let price = t.regions.get(region).copied().unwrap_or(first);
            bounds.push((t.above, price));
        }
        let mut segments = Vec::new();
        for (i, (from, price)) in bounds.iter().enumerate() {
            let to = bounds.get(i + 1).map_or(f64::INFINITY, |b| b.0);
            let units = (quantity.min(to) - from).max(0.0);
            if units > 0.0 || (i == 0 && quantity <= 0.0) {
                segments.push((units.max(0.0), *price));
            }
        }
        let total = segments.iter().map(|(u, p)| u * p).sum();
        Ok((total, segments))
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

    #[test]
    fn tiered_prices_charge_each_tier_at_its_own_price() {
        let c = Catalog::builtin();
        let cost = |id: &str, q: f64| c.cost(id, "us-east-1", q).expect("priced").0;
        let near = |a: f64, b: f64| (a - b).abs() < 1e-6 * b.max(1.0);
        // HTTP API: 300 M at $1.00, then $0.90.
        assert!(near(cost("apigateway.http.million_requests", 100.0), 100.0));
        assert!(near(cost("apigateway.http.million_requests", 400.0), 390.0));
        // REST API: 333 M at $3.50, 667 M at $2.80, 19 B at $2.38, beyond at $1.51.
        assert!(near(
            cost("apigateway.rest.million_requests", 21_000.0),
            333.0 * 3.5 + 667.0 * 2.8 + 19_000.0 * 2.38 + 1_000.0 * 1.51
        ));
        // Interface endpoint data: the first PB (1,000,000 GB) at $0.01.
        assert!(near(
            cost("vpc.interface_endpoint.gb", 2_000_000.0),
            1_000_000.0 * 0.01 + 1_000_000.0 * 0.006
        ));
        // Lambda x86: 6 B GB-s at the first price, the next at $0.000015.
        assert!(near(
            cost("lambda.x86.gb_second", 7e9),
            6e9 * 0.0000166667 + 1e9 * 0.000015
        ));
        // Untiered entries are quantity x price.
        assert!(near(cost("cloudwatch.alarm.month", 3.0), 0.30));
    }

    #[test]
    fn tiers_must_rise_and_price_the_entry_regions() {
        let bad = r#"
effective = "2026-11-01"
hours_per_month = 730
[[price]]
id = "x"
description = "x"
unit = "u"
source = "https://aws.amazon.com/"
regions = { us-east-1 = 1.0 }
tiers = [{ above = 10, regions = { us-east-1 = 0.5 } }, { above = 5, regions = { us-east-1 = 0.1 } }]
"#;
        assert!(Catalog::parse(bad, "test").is_err());
        let other_region = bad.replace(
            "{ above = 5, regions = { us-east-1 = 0.1 } }",
            "{ above = 50, regions = { eu-west-1 = 0.1 } }",
        );
        assert!(Catalog::parse(&other_region, "test").is_err());
        let good = bad.replace("above = 5,", "above = 50,");
        assert!(Catalog::parse(&good, "test").is_ok());
    }
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
