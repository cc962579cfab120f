//! Where an Entra token comes from (`SPEECH_CREDENTIAL`), and whether the environment has what
//! that source needs (auth.md §2.2, §2.5).
//!
//! Unpinned, the host tries a chain in the spirit of DefaultAzureCredential: service principal,
//! workload identity, managed identity, Azure CLI. Pinned, only that source is used, and its
//! variables must be present.

use super::variables::Variables;
use super::{config_error, finding, suggest};
use crate::bindings::exports::azspeech::core::types::{ConfigError, ConfigErrorCode, CredentialSource, Finding, Level};

/// The `SPEECH_CREDENTIAL` spelling of a source.
pub fn name(source: CredentialSource) -> &'static str {
    match source {
        CredentialSource::None => "none",
        CredentialSource::Chain => "chain",
        CredentialSource::ServicePrincipal => "service-principal",
        CredentialSource::WorkloadIdentity => "workload-identity",
        CredentialSource::ManagedIdentity => "managed-identity",
        CredentialSource::AzureCli => "azure-cli",
    }
}

const PINNABLE: [CredentialSource; 5] = [
    CredentialSource::Chain,
    CredentialSource::ServicePrincipal,
    CredentialSource::WorkloadIdentity,
    CredentialSource::ManagedIdentity,
    CredentialSource::AzureCli,
];

/// Parse `SPEECH_CREDENTIAL` (case-insensitive; unset = `chain`).
pub fn parse(vars: &Variables<'_>) -> Result<CredentialSource, ConfigError> {
    let Some(value) = vars.text("SPEECH_CREDENTIAL")? else {
        return Ok(CredentialSource::Chain);
    };
    let lower = value.to_ascii_lowercase().replace('_', "-");
    if let Some(source) = PINNABLE.into_iter().find(|source| name(*source) == lower) {
        return Ok(source);
    }
    let names = PINNABLE.map(name);
    let hint = suggest::closest(&lower, &names, 4)
        .map(|close| format!("SPEECH_CREDENTIAL={close}"))
        .unwrap_or_else(|| {
            "SPEECH_CREDENTIAL to service-principal, workload-identity, managed-identity or azure-cli (or unset it to try them in turn)".to_owned()
        });
    let shown: String = value.chars().take(40).collect();
    Err(config_error(
        ConfigErrorCode::InvalidValue,
        Some("SPEECH_CREDENTIAL"),
        format!(
            "{}={shown} is not a credential source",
            vars.describe("SPEECH_CREDENTIAL")
        ),
        format!("set {hint}"),
    ))
}

/// The variables a pinned source cannot work without.
fn required(source: CredentialSource) -> &'static [&'static str] {
    match source {
        CredentialSource::ServicePrincipal => &["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"],
        CredentialSource::WorkloadIdentity => &["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"],
        CredentialSource::None
        | CredentialSource::Chain
        | CredentialSource::ManagedIdentity
        | CredentialSource::AzureCli => &[],
    }
}

/// The variables a source reads (a blank one is an error when the source is in use).
fn read_by(source: CredentialSource) -> &'static [&'static str] {
    match source {
        CredentialSource::ServicePrincipal => &["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"],
        CredentialSource::WorkloadIdentity => &["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"],
        CredentialSource::ManagedIdentity => &["AZURE_CLIENT_ID", "IDENTITY_ENDPOINT", "IDENTITY_HEADER"],
        CredentialSource::AzureCli | CredentialSource::None => &[],
        CredentialSource::Chain => &[
            "AZURE_TENANT_ID",
            "AZURE_CLIENT_ID",
            "AZURE_CLIENT_SECRET",
            "AZURE_FEDERATED_TOKEN_FILE",
            "IDENTITY_ENDPOINT",
            "IDENTITY_HEADER",
        ],
    }
}

const SECRET_VARIABLES: &[&str] = &["AZURE_CLIENT_SECRET", "IDENTITY_HEADER"];

fn present(vars: &Variables<'_>, variable: &str) -> bool {
    if SECRET_VARIABLES.contains(&variable) {
        vars.secret_present(variable)
    } else {
        vars.text_present(variable).is_some()
    }
}

/// Check the environment for `source` (Entra mode only): blank variables, missing variables of a
/// pinned source. Explains the choice and notes what the host's credential code cannot use.
pub fn check(
    source: CredentialSource,
    vars: &Variables<'_>,
    explanation: &mut Vec<String>,
    notes: &mut Vec<Finding>,
) -> Result<CredentialSource, ConfigError> {
    for variable in read_by(source) {
        if SECRET_VARIABLES.contains(variable) {
            vars.secret(variable)?;
        } else {
            vars.text(variable)?;
        }
    }
    let missing: Vec<&str> = required(source)
        .iter()
        .copied()
        .filter(|variable| !present(vars, variable))
        .collect();
    if let Some(first) = missing.first() {
        return Err(config_error(
            ConfigErrorCode::MissingSetting,
            Some(first),
            format!(
                "{}={} needs {}, which {} not set",
                vars.describe("SPEECH_CREDENTIAL"),
                name(source),
                missing.join(", "),
                if missing.len() == 1 { "is" } else { "are" }
            ),
            format!(
                "set {}, or pick another source with SPEECH_CREDENTIAL (managed-identity and azure-cli need no variables)",
                missing.join(" and ")
            ),
        ));
    }
    let user_assigned = vars
        .text_present("AZURE_CLIENT_ID")
        .map(|_| " (user-assigned identity: AZURE_CLIENT_ID)")
        .unwrap_or(" (system-assigned identity)");
    let app_service = present(vars, "IDENTITY_ENDPOINT") && present(vars, "IDENTITY_HEADER");
    let managed = if app_service {
        format!("managed identity via the App Service endpoint (IDENTITY_ENDPOINT){user_assigned}")
    } else {
        format!("managed identity via IMDS{user_assigned}")
    };
    let sentence = match source {
        CredentialSource::ServicePrincipal => "SPEECH_CREDENTIAL pins the Entra token source to the service principal in AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET".to_owned(),
        CredentialSource::WorkloadIdentity => "SPEECH_CREDENTIAL pins the Entra token source to workload identity (AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID, AZURE_CLIENT_ID)".to_owned(),
        CredentialSource::ManagedIdentity => format!("SPEECH_CREDENTIAL pins the Entra token source to {managed}"),
        CredentialSource::AzureCli => "SPEECH_CREDENTIAL pins the Entra token source to the signed-in Azure CLI (`az account get-access-token`)".to_owned(),
        CredentialSource::None | CredentialSource::Chain => {
            chain_notes(vars, notes);
            format!(
                "SPEECH_CREDENTIAL is unset, so the Entra token comes from the first source that works: {}",
                chain_order(vars, &managed)
            )
        }
    };
    explanation.push(sentence);
    if matches!(source, CredentialSource::Chain | CredentialSource::ManagedIdentity) {
        managed_identity_notes(vars, notes);
    }
    Ok(match source {
        CredentialSource::None => CredentialSource::Chain,
        other => other,
    })
}

fn chain_order(vars: &Variables<'_>, managed: &str) -> String {
    let mut order = Vec::new();
    if required(CredentialSource::ServicePrincipal)
        .iter()
        .all(|variable| present(vars, variable))
    {
        order.push("the service principal (AZURE_CLIENT_SECRET)".to_owned());
    }
    if required(CredentialSource::WorkloadIdentity)
        .iter()
        .all(|variable| present(vars, variable))
    {
        order.push("workload identity (AZURE_FEDERATED_TOKEN_FILE)".to_owned());
    }
    order.push(managed.to_owned());
    order.push("the Azure CLI".to_owned());
    order.join(", then ")
}

/// Warnings for half-configured sources the chain will skip.
fn chain_notes(vars: &Variables<'_>, notes: &mut Vec<Finding>) {
    for (source, marker) in [
        (CredentialSource::ServicePrincipal, "AZURE_CLIENT_SECRET"),
        (CredentialSource::WorkloadIdentity, "AZURE_FEDERATED_TOKEN_FILE"),
    ] {
        if !present(vars, marker) {
            continue;
        }
        let missing: Vec<&str> = required(source)
            .iter()
            .copied()
            .filter(|variable| !present(vars, variable))
            .collect();
        if !missing.is_empty() {
            notes.push(finding(
                Level::Warning,
                "credential-incomplete",
                format!(
                    "{marker} is set but {} {} not, so the credential chain skips {}",
                    missing.join(", "),
                    if missing.len() == 1 { "is" } else { "are" },
                    name(source)
                ),
                format!("set {}, or unset {marker}", missing.join(" and ")),
            ));
        }
    }
}

/// Warnings for managed-identity environments the host's `azure_identity` cannot use.
fn managed_identity_notes(vars: &Variables<'_>, notes: &mut Vec<Finding>) {
    let identity_endpoint = present(vars, "IDENTITY_ENDPOINT");
    let identity_header = present(vars, "IDENTITY_HEADER");
    if identity_endpoint && !identity_header {
        notes.push(finding(
            Level::Warning,
            "identity-header-missing",
            "IDENTITY_ENDPOINT is set without IDENTITY_HEADER, so the App Service managed identity endpoint cannot be used",
            "set IDENTITY_HEADER as App Service does, or unset IDENTITY_ENDPOINT to use IMDS",
        ));
    }
    if vars.is_set("MSI_ENDPOINT") {
        notes.push(finding(
            Level::Warning,
            "managed-identity-unsupported",
            "MSI_ENDPOINT is set (Cloud Shell or Azure ML managed identity), which the host's Azure identity library does not support",
            "use a service principal, workload identity or the Azure CLI there (SPEECH_CREDENTIAL)",
        ));
    }
    if vars.is_set("IMDS_ENDPOINT") && !identity_header {
        notes.push(finding(
            Level::Warning,
            "managed-identity-unsupported",
            "IMDS_ENDPOINT is set without IDENTITY_HEADER (Azure Arc managed identity), which the host's Azure identity library does not support",
            "use a service principal or workload identity on Arc-enabled servers (SPEECH_CREDENTIAL)",
        ));
    }
    if vars.is_set("IDENTITY_SERVER_THUMBPRINT") {
        notes.push(finding(
            Level::Warning,
            "managed-identity-unsupported",
            "IDENTITY_SERVER_THUMBPRINT is set (Service Fabric managed identity), which the host's Azure identity library does not support",
            "use a service principal or workload identity (SPEECH_CREDENTIAL)",
        ));
    }
}
