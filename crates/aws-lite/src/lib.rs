//! The few calls the tools make to services whose SDK crates are large (EC2 alone is
//! about a million lines, five minutes of build on two cores), made directly: SigV4
//! with the SDK's own signer and the process's `SdkConfig`, over AWS Query (EC2, RDS,
//! ELBv2, CloudWatch), AWS JSON 1.1 (Secrets Manager, KMS) or REST-JSON (API Gateway
//! v2). ADR 0008.
//!
//! This crate is the adapter of those services: the only code that talks to them.
//! Its callers get plain records, never wire formats.

pub mod apigateway;
mod client;
mod xml;

pub mod cloudwatch;
pub mod ec2;
pub mod elbv2;
pub mod json;
pub mod rds;

pub use client::{Client, Service};
