//! The rustls client configuration: the ring provider, the system's roots, and optionally an
//! extra CA (the emulator's test CA); the system roots are loaded on the first handshake.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsConfigError {
    /// The CA file could not be read or holds no certificate.
    #[error(
        "cannot use CA file {path}: {reason} (set AZSPEECH_CA_FILE or --ca-file to a PEM file with CA certificates)"
    )]
    CaFile {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// rustls refused the configuration.
    #[error("TLS configuration error: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A client configuration trusting the system roots plus the certificates in `extra_ca_file`.
///
/// The CA file is read and parsed here, so a bad one fails at once and names the fix. The
/// system roots (about 300 certificates read from disk and parsed) are loaded only on the first
/// TLS handshake: a session over `ws://` (the emulator, a private plain endpoint) never pays
/// for them, and a process pays for them once however many configurations it builds.
pub fn client_config(extra_ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, TlsConfigError> {
    let extra = match extra_ca_file {
        Some(path) => {
            let certs = read_pem_certificates(path)?;
            // Check each one now (the root store would refuse it at the first handshake).
            let mut store = rustls::RootCertStore::empty();
            for cert in &certs {
                store.add(cert.clone()).map_err(|error| TlsConfigError::CaFile {
                    path: path.display().to_string(),
                    reason: error.to_string(),
                })?;
            }
            certs
        }
        None => Vec::new(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(LazyRootsVerifier {
        provider: provider.clone(),
        extra,
        built: OnceLock::new(),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The system's root certificates, read once per process on first use.
fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let native = rustls_native_certs::load_native_certs();
        for error in &native.errors {
            tracing::debug!("skipping a system certificate: {error}");
        }
        native.certs
    })
}

/// The standard WebPKI verifier (system roots + the extra CA), built on the first handshake.
/// Every check is the WebPKI verifier's own; only its construction is deferred.
#[derive(Debug)]
struct LazyRootsVerifier {
    provider: Arc<rustls::crypto::CryptoProvider>,
    extra: Vec<CertificateDer<'static>>,
    built: OnceLock<Result<Arc<WebPkiServerVerifier>, String>>,
}

impl LazyRootsVerifier {
    fn verifier(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.built
            .get_or_init(|| {
                let mut roots = rustls::RootCertStore::empty();
                let (_added, _ignored) = roots.add_parsable_certificates(native_roots().iter().cloned());
                let (_added, _ignored) = roots.add_parsable_certificates(self.extra.iter().cloned());
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
                    .build()
                    .map_err(|error| error.to_string())
            })
            .as_ref()
            .map_err(|error| {
                rustls::Error::General(format!(
                    "no trusted root certificate ({error}); install the system CA certificates or set AZSPEECH_CA_FILE"
                ))
            })
    }
}

impl ServerCertVerifier for LazyRootsVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

fn read_pem_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
    let ca_error = |reason: String| TlsConfigError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|error| ca_error(error.to_string()))?;
    let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|error| ca_error(error.to_string()))?;
    if certs.is_empty() {
        return Err(ca_error("no PEM certificate in the file".into()));
    }
    Ok(certs)
}
