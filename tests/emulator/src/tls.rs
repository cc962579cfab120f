//! A test CA and a server certificate for 127.0.0.1, localhost and the emulated Azure hosts.
//!
//! The CA is a real CA (`basicConstraints CA:TRUE`) and the server certificate a leaf signed by
//! it (`CA:FALSE`): rustls/webpki reject a self-signed CA used as the server certificate
//! (`CaUsedAsEndEntity`, auth.md §2.5), so clients trust the CA and the emulator presents the leaf.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::config::{EmulatorConfig, HostForm};

/// Generated certificates.
pub(crate) struct TestPki {
    pub(crate) ca_pem: String,
    pub(crate) ca_der: Vec<u8>,
    pub(crate) server: Arc<rustls::ServerConfig>,
}

/// The names the leaf certificate covers.
pub(crate) fn server_names(config: &EmulatorConfig) -> Vec<String> {
    let mut names = vec!["127.0.0.1".to_owned(), "::1".to_owned(), "localhost".to_owned()];
    for form in [HostForm::RegionalStt, HostForm::RegionalTts, HostForm::RegionalApi] {
        if let Some(host) = config.regional_host(form) {
            names.push(host);
        }
    }
    names.push(format!(
        "{}.voice.speech.{}",
        config.region,
        config.cloud.speech_suffix()
    ));
    names.push(config.custom_domain_host());
    names
}

pub(crate) fn generate(config: &EmulatorConfig) -> Result<TestPki, String> {
    let err = |e: rcgen::Error| format!("certificate generation failed: {e}");
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "azspeech emulator test CA");
    ca_params.distinguished_name = dn;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().map_err(err)?;
    let mut leaf_params = CertificateParams::new(server_names(config)).map_err(err)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "azspeech emulator");
    leaf_params.distinguished_name = dn;
    leaf_params.is_ca = IsCa::ExplicitNoCa;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).map_err(err)?;

    let chain = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| e.to_string())?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TestPki {
        ca_pem: ca_cert.pem(),
        ca_der: CertificateDer::from(ca_cert.der().to_vec()).to_vec(),
        server: Arc::new(server),
    })
}
