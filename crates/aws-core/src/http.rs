//! The one HTTPS connector of a process, for the requests the SDK does not send
//! (aws-lite's signed calls, the OCI registry, the health probe): the same hyper and
//! rustls the SDK compiles, the system's trust roots loaded once.

use crate::error::{Error, Result};
use hyper_util::client::legacy::connect::HttpConnector;
use std::sync::OnceLock;

/// HTTPS (or plain HTTP, for the emulator and local registries) over HTTP/1.1.
pub type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// A handle on the process's connector (cheap: the TLS configuration is shared).
pub fn connector() -> Result<Connector> {
    static ONE: OnceLock<std::result::Result<Connector, String>> = OnceLock::new();
    ONE.get_or_init(|| {
        Ok(hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| format!("cannot load the system's trust roots: {e}"))?
            .https_or_http()
            .enable_http1()
            .build())
    })
    .clone()
    .map_err(Error::Config)
}
