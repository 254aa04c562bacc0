//! Container images built by test code, byte for byte reproducible: layer tarballs,
//! `docker save` archives (the classic layout and Docker 25+'s OCI one) and OCI image
//! layouts. Used by push-to-ecr's tests and `cargo xtask bench push-to-ecr`.

use sha2::{Digest as _, Sha256};
use std::io::Write;
use std::path::Path;

pub fn sha256(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::from("sha256:");
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn hex(digest: &str) -> &str {
    &digest[7..]
}

/// A tar of `files` (path, contents), mtime 0, mode 0644: the same bytes every time.
pub fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// `size` bytes that compress about 2:1 (like binaries), from `seed`.
pub fn filler(seed: u64, size: usize) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        | 1;
    let mut out = Vec::with_capacity(size);
    while out.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // Half the bytes random, half from a small alphabet.
        let b = x.to_le_bytes();
        out.extend_from_slice(&b[..4]);
        out.extend(b[4..].iter().map(|v| b"abcdefgh"[(*v & 7) as usize]));
    }
    out.truncate(size);
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// The image config of `layers` (uncompressed tars).
pub fn config(layers: &[Vec<u8>]) -> Vec<u8> {
    let ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["/app"]},
        "rootfs": {"type": "layers", "diff_ids": ids}
    }))
    .unwrap()
}

fn write_tar(path: &Path, files: &[(String, Vec<u8>)]) {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, data) in files {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data.as_slice()).unwrap();
    }
    b.finish().unwrap();
}

/// A classic `docker save` archive: `<id>/layer.tar`, `<config hex>.json`, manifest.json.
pub fn docker_archive(path: &Path, layers: &[Vec<u8>], repo_tag: &str) {
    let cfg = config(layers);
    let cfg_name = format!("{}.json", hex(&sha256(&cfg)));
    let mut files = vec![(cfg_name.clone(), cfg)];
    let mut names = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let name = format!("{:064x}/layer.tar", i + 1);
        names.push(name.clone());
        files.push((name, l.clone()));
    }
    let manifest =
        serde_json::json!([{"Config": cfg_name, "RepoTags": [repo_tag], "Layers": names}]);
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    write_tar(path, &files);
}

/// What Docker 25+ writes: an OCI layout (blobs/sha256, index.json) plus manifest.json,
/// layers uncompressed.
pub fn docker_archive_oci(path: &Path, layers: &[Vec<u8>], repo_tag: &str) {
    let cfg = config(layers);
    let cfg_d = sha256(&cfg);
    let mut files = vec![(format!("blobs/sha256/{}", hex(&cfg_d)), cfg.clone())];
    let mut names = Vec::new();
    let mut descs = Vec::new();
    for l in layers {
        let d = sha256(l);
        let name = format!("blobs/sha256/{}", hex(&d));
        names.push(name.clone());
        descs.push(serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": l.len()}));
        files.push((name, l.clone()));
    }
    let m = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_d, "size": cfg.len()},
        "layers": descs
    }))
    .unwrap();
    let md = sha256(&m);
    files.push((format!("blobs/sha256/{}", hex(&md)), m.clone()));
    files.push((
        "index.json".into(),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": m.len(),
             "annotations": {"io.containerd.image.name": repo_tag}}]}))
        .unwrap(),
    ));
    files.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    let manifest = serde_json::json!([{"Config": format!("blobs/sha256/{}", hex(&cfg_d)), "RepoTags": [repo_tag], "Layers": names}]);
    files.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    write_tar(path, &files);
}

/// An OCI image layout directory with gzipped layers; returns the manifest digest
/// (pushed byte-exact, so it is the digest the registry must report).
pub fn oci_layout(dir: &Path, layers: &[Vec<u8>]) -> String {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let cfg = config(layers);
    let cfg_d = sha256(&cfg);
    std::fs::write(blobs.join(hex(&cfg_d)), &cfg).unwrap();
    let mut descs = Vec::new();
    for l in layers {
        let gz = gzip(l);
        let d = sha256(&gz);
        std::fs::write(blobs.join(hex(&d)), &gz).unwrap();
        descs.push(serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": d, "size": gz.len()}));
    }
    let m = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_d, "size": cfg.len()},
        "layers": descs
    }))
    .unwrap();
    let md = sha256(&m);
    std::fs::write(blobs.join(hex(&md)), &m).unwrap();
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": m.len()}]}))
        .unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    md
}

/// A small two-layer image of distinct content per `seed`.
pub fn small_layers(seed: u64) -> Vec<Vec<u8>> {
    vec![
        layer(&[
            ("etc/os-release", b"ID=test\n"),
            ("app/data", &filler(seed, 64 << 10)),
        ]),
        layer(&[("app/bin", &filler(seed + 1000, 200 << 10))]),
    ]
}
