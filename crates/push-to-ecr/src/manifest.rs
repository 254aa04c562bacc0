//! Image manifests: the media types we read and write, and the manifest we build for
//! an image that arrives without a pushable one (a `docker save` archive).

use crate::digest::Digest;
use serde::{Deserialize, Serialize};

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const DOCKER_LAYER_TAR: &str = "application/vnd.docker.image.rootfs.diff.tar";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// Every manifest type we may read back. ECR converts a stored manifest to another
/// format when the reader does not accept its type, which would change its digest.
pub const ACCEPTED: [&str; 4] = [DOCKER_MANIFEST, OCI_MANIFEST, DOCKER_LIST, OCI_INDEX];

/// A single-image manifest type (not an index).
pub fn is_image_manifest(media_type: &str) -> bool {
    media_type == DOCKER_MANIFEST || media_type == OCI_MANIFEST
}

pub fn is_index(media_type: &str) -> bool {
    media_type == DOCKER_LIST || media_type == OCI_INDEX
}

/// An uncompressed layer type: we gzip those before pushing.
pub fn is_uncompressed_layer(media_type: &str) -> bool {
    media_type == OCI_LAYER_TAR || media_type == DOCKER_LAYER_TAR
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Descriptor {
    #[serde(rename = "mediaType")]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
}

#[derive(Debug, Serialize)]
struct Manifest<'a> {
    #[serde(rename = "schemaVersion")]
    schema_version: u8,
    #[serde(rename = "mediaType")]
    media_type: &'a str,
    config: Descriptor,
    layers: &'a [Descriptor],
}

/// The manifest of a `docker save` image: Docker's own v2 schema 2 (what `docker push`
/// writes), or OCI when a layer is zstd (Docker's format has no zstd layer type).
pub fn build(config: (&Digest, u64), layers: &[Descriptor]) -> (Vec<u8>, &'static str) {
    let oci = layers.iter().any(|l| l.media_type == OCI_LAYER_ZSTD);
    let (media_type, config_type) = if oci {
        (OCI_MANIFEST, OCI_CONFIG)
    } else {
        (DOCKER_MANIFEST, DOCKER_CONFIG)
    };
    let m = Manifest {
        schema_version: 2,
        media_type,
        config: Descriptor {
            media_type: config_type.into(),
            digest: config.0.to_string(),
            size: config.1,
        },
        layers,
    };
    // Serialising plain structs and strings cannot fail.
    let bytes = serde_json::to_vec_pretty(&m).unwrap_or_default();
    (bytes, media_type)
}

/// Layer media type for a gzip layer in a manifest of `manifest_type`.
pub fn gzip_layer_type(manifest_type: &str) -> &'static str {
    if manifest_type == OCI_MANIFEST {
        OCI_LAYER_GZIP
    } else {
        DOCKER_LAYER_GZIP
    }
}

/// The layer and config descriptors a manifest references (to price what a repository
/// stores, shared layers once).
pub fn referenced_blobs(manifest: &[u8]) -> Vec<Descriptor> {
    #[derive(Deserialize)]
    struct Refs {
        config: Option<Descriptor>,
        #[serde(default)]
        layers: Vec<Descriptor>,
    }
    match serde_json::from_slice::<Refs>(manifest) {
        Ok(r) => r.config.into_iter().chain(r.layers).collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn docker_manifest_is_schema2_and_deterministic() {
        let cfg = Digest::of(b"{}");
        let layers = vec![Descriptor {
            media_type: DOCKER_LAYER_GZIP.into(),
            digest: Digest::of(b"x").to_string(),
            size: 1,
        }];
        let (a, t) = build((&cfg, 2), &layers);
        let (b, _) = build((&cfg, 2), &layers);
        assert_eq!(a, b);
        assert_eq!(t, DOCKER_MANIFEST);
        let v: serde_json::Value = serde_json::from_slice(&a).unwrap();
        assert_eq!(v["schemaVersion"], 2);
        assert_eq!(v["config"]["mediaType"], DOCKER_CONFIG);
        assert_eq!(referenced_blobs(&a).len(), 2);
    }

    #[test]
    fn zstd_layers_make_an_oci_manifest() {
        let cfg = Digest::of(b"{}");
        let layers = vec![Descriptor {
            media_type: OCI_LAYER_ZSTD.into(),
            digest: Digest::of(b"x").to_string(),
            size: 1,
        }];
        let (_, t) = build((&cfg, 2), &layers);
        assert_eq!(t, OCI_MANIFEST);
    }
}
