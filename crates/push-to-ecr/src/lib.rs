//! `push-to-ecr`: push a container image to ECR through the ECR API, or to any OCI
//! registry, with no Docker daemon needed for the push itself.
//!
//! [`archive`] reads the image from disk, [`prepare`] computes and checks every digest
//! and gzips uncompressed layers, [`push::run`] orchestrates; [`ecr`] and [`registry`]
//! are the adapters (the only code that sends requests).

pub mod archive;
pub mod cache;
pub mod cli;
pub mod digest;
pub mod ecr;
pub mod manifest;
pub mod prepare;
pub mod push;
pub mod registry;
pub mod report;
pub mod source;
pub mod tags;
