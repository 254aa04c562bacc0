//! What a push did, as one value: the JSON of `--output json` and the summary table,
//! plus the storage bill of the repository it pushed to.

use crate::archive::Format;
use crate::digest::Digest;
use crate::ecr::Stored;
use aws_core::Result;
use aws_core::output::Output;
use serde::Serialize;

const GIB: f64 = (1u64 << 30) as f64;
/// The price catalog's entry for ECR storage, and the free-tier data's legacy offer.
const STORAGE_PRICE: &str = "ecr.storage.gb_month";
const LEGACY_OFFER: &str = "legacy-ecr-500mb";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagOutcome {
    /// The tag now names this image.
    Pushed,
    /// It already did.
    Unchanged,
    /// --dry-run: it would be written.
    WouldPush,
    /// The repository does not let the tag move (IMMUTABLE).
    Refused,
}

#[derive(Debug, Serialize)]
pub struct Storage {
    pub images: usize,
    pub untagged_images: usize,
    pub bytes: u64,
    /// USD per month at the region's list price; `None` when the catalog has no price
    /// for the region (never shown as $0).
    pub monthly_usd: Option<f64>,
    pub usd_per_gb_month: Option<f64>,
    pub lifecycle_policy: bool,
    /// Who gets the 500 MB-month allowance, from the free-tier data.
    pub free_allowance: String,
}

impl Storage {
    pub fn priced(stored: Stored, lifecycle_policy: bool, region: &str) -> Storage {
        let price = pricing::catalog::Catalog::builtin()
            .price(STORAGE_PRICE, region)
            .ok();
        let offers = cost_engine::free_tier::offers();
        let allowance = offers
            .offers
            .iter()
            .find(|o| o.id == LEGACY_OFFER)
            .map(|o| {
                format!(
                    "{} MB-month free only on accounts created before {} and in their first 12 months \
                     (newer accounts get credits instead); not deducted here",
                    o.quantity * 1000.0,
                    offers.new_plan_cutoff
                )
            })
            .unwrap_or_default();
        Storage {
            images: stored.images,
            untagged_images: stored.untagged,
            bytes: stored.bytes,
            monthly_usd: price.map(|p| stored.bytes as f64 / GIB * p),
            usd_per_gb_month: price,
            lifecycle_policy,
            free_allowance: allowance,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    /// `ecr` or `registry`.
    pub destination: &'static str,
    pub repository: String,
    pub uri: String,
    /// `<uri>@<digest>`: what to deploy.
    pub image: String,
    pub digest: Digest,
    pub media_type: String,
    pub format: Format,
    #[serde(serialize_with = "tags_as_map")]
    pub tags: Vec<(String, TagOutcome)>,
    pub up_to_date: bool,
    pub dry_run: bool,
    /// Config plus layers.
    pub blobs: usize,
    /// Already in the repository (not sent).
    pub blobs_present: usize,
    pub blobs_to_upload: usize,
    pub blobs_uploaded: usize,
    pub blobs_mounted: usize,
    pub bytes_uploaded: u64,
    pub bytes_total: u64,
    /// Layers that arrived uncompressed and were gzipped here.
    pub layers_compressed: usize,
    /// Requests sent to the registry or the ECR API.
    pub requests: u32,
    pub storage: Option<Storage>,
    pub seconds: f64,
}

fn tags_as_map<S: serde::Serializer>(
    tags: &[(String, TagOutcome)],
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(tags.len()))?;
    for (t, o) in tags {
        m.serialize_entry(t, o)?;
    }
    m.end()
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

impl Report {
    pub fn print(&self, out: &Output) -> Result<()> {
        if let Some(s) = &self.storage
            && !s.lifecycle_policy
        {
            out.warn(format!(
                "{} has no lifecycle policy: every push adds to the storage bill; add one \
                 (terraform/modules/ecr has it) or delete old images",
                self.repository
            ));
        }
        if out.is_json() {
            return out.json(self);
        }
        if self.up_to_date {
            out.success(format!(
                "{} is already up to date ({})",
                self.image,
                self.tag_list()
            ));
        } else if self.dry_run {
            out.note(format!(
                "--dry-run: {} of {} blobs ({}) would be uploaded; nothing was pushed",
                self.blobs_to_upload,
                self.blobs,
                mb(self.bytes_total)
            ));
        } else {
            out.success(format!("pushed {} ({})", self.image, self.tag_list()));
        }
        out.table(&self.summary())
    }

    fn tag_list(&self) -> String {
        self.tags
            .iter()
            .map(|(t, o)| match o {
                TagOutcome::Pushed => format!("{t}: pushed"),
                TagOutcome::Unchanged => format!("{t}: unchanged"),
                TagOutcome::WouldPush => format!("{t}: would push"),
                TagOutcome::Refused => format!("{t}: not moved"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn summary(&self) -> comfy_table::Table {
        let mut t = aws_core::output::new_table(["", ""]);
        t.add_row(["image", &self.image]);
        t.add_row(["tags", &self.tag_list()]);
        t.add_row([
            "blobs".to_string(),
            format!(
                "{} ({} present, {} uploaded{}), {} in all, {} layers gzipped here",
                self.blobs,
                self.blobs_present,
                self.blobs_uploaded,
                if self.blobs_mounted > 0 {
                    format!(", {} mounted", self.blobs_mounted)
                } else {
                    String::new()
                },
                mb(self.bytes_total),
                self.layers_compressed
            ),
        ]);
        t.add_row([
            "sent".to_string(),
            format!(
                "{} in {} requests, {:.1}s",
                mb(self.bytes_uploaded),
                self.requests,
                self.seconds
            ),
        ]);
        if let Some(s) = &self.storage {
            t.add_row([
                "repository".to_string(),
                format!(
                    "{} {} ({} untagged), {} stored",
                    s.images,
                    if s.images == 1 { "image" } else { "images" },
                    s.untagged_images,
                    mb(s.bytes)
                ),
            ]);
            let cost = match (s.monthly_usd, s.usd_per_gb_month) {
                (Some(m), Some(p)) => format!("${m:.4}/month at ${p:.2}/GB-month"),
                _ => {
                    "not priced: the price catalog has no ECR storage price for this region".into()
                }
            };
            t.add_row(["storage cost".to_string(), cost]);
            t.add_row(["free tier".to_string(), s.free_allowance.clone()]);
        }
        t
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn storage_is_priced_from_the_catalog_or_not_at_all() {
        let s = Storage::priced(
            Stored {
                images: 2,
                untagged: 1,
                bytes: 1 << 30,
            },
            true,
            "us-east-1",
        );
        assert_eq!(s.usd_per_gb_month, Some(0.10));
        assert!((s.monthly_usd.unwrap() - 0.10).abs() < 1e-9);
        assert!(
            s.free_allowance.contains("500 MB-month"),
            "{}",
            s.free_allowance
        );
        assert!(
            s.free_allowance.contains("2025-07-15"),
            "{}",
            s.free_allowance
        );
        let s = Storage::priced(
            Stored {
                images: 1,
                untagged: 0,
                bytes: 1,
            },
            false,
            "xx-nowhere-1",
        );
        assert_eq!(s.monthly_usd, None);
    }
}
