//! Managed-identity and Entra token endpoints (auth.md §2.5, §2.7).
//!
//! - App Service: `GET /msi/token?api-version=2019-08-01&resource=…[&client_id=…|&object_id=…]`
//!   with `x-identity-header: <IDENTITY_HEADER>` →
//!   `{"access_token","expires_on":"<unix s>","expires_in":"<s>","resource","token_type":"Bearer","client_id"}`
//!   (`expires_on` is a **string**: Rust azure_identity rejects a number).
//! - IMDS: `GET /metadata/identity/oauth2/token?api-version=…&resource=…` with `Metadata: true`
//!   (Python's `AZURE_POD_IDENTITY_AUTHORITY_HOST`), same body plus `ext_expires_in`, `not_before`.
//! - Entra: `POST /{tenant}/oauth2/v2.0/token` (client credentials with `client_secret` or a
//!   JWT-bearer `client_assertion`) → `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token"}`;
//!   errors in Entra's shape (`error`, `error_description` with the AADSTS code, `error_codes`).
//! - `GET /{tenant}/v2.0/.well-known/openid-configuration` for MSAL Python.

use http::{Method, Request, Response};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde_json::json;

use crate::auth::{parse_query, query_value};
use crate::config::{Identity, IdentityKind};
use crate::emulator::Shared;
use crate::hosts::Route;
use crate::log::RequestRecord;
use crate::server::{Body, respond};
use crate::tokens::random_hex;

fn json_response(status: u16, body: serde_json::Value) -> Response<Body> {
    respond(status, Some("application/json; charset=utf-8"), body.to_string())
}

fn guid() -> String {
    let h = random_hex(16);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn msi_error(status: u16, message: &str) -> Response<Body> {
    json_response(
        status,
        json!({"statusCode": status, "message": message, "correlationId": guid()}),
    )
}

/// Which managed identity a request selects.
fn select_managed<'a>(shared: &'a Shared, query: &[(String, String)]) -> Result<&'a Identity, String> {
    let managed = |i: &&Identity| matches!(i.kind, IdentityKind::SystemAssigned | IdentityKind::UserAssigned);
    let client_id = query_value(query, "client_id");
    let object_id = query_value(query, "object_id").or_else(|| query_value(query, "principal_id"));
    let not_found =
        "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.";
    if query_value(query, "mi_res_id").is_some() || query_value(query, "msi_res_id").is_some() {
        return Err(not_found.to_owned());
    }
    let identities = &shared.config.identities;
    match (client_id, object_id) {
        (Some(id), _) => identities
            .iter()
            .filter(managed)
            .find(|i| i.kind == IdentityKind::UserAssigned && i.client_id.eq_ignore_ascii_case(id))
            .ok_or_else(|| not_found.to_owned()),
        (None, Some(id)) => identities
            .iter()
            .filter(managed)
            .find(|i| i.kind == IdentityKind::UserAssigned && i.object_id.eq_ignore_ascii_case(id))
            .ok_or_else(|| not_found.to_owned()),
        (None, None) => identities
            .iter()
            .find(|i| i.kind == IdentityKind::SystemAssigned)
            .ok_or_else(|| {
                "No managed identity is assigned to this resource (no system-assigned identity).".to_owned()
            }),
    }
}

fn audience_of(resource: &str) -> String {
    resource.trim_end_matches("/.default").trim_end_matches('/').to_owned()
}

fn managed_token(
    shared: &Shared,
    req: &Request<Incoming>,
    query: &[(String, String)],
    imds: bool,
    record: &mut RequestRecord,
) -> Response<Body> {
    if req.method() != Method::GET {
        return msi_error(405, "Only GET is supported.");
    }
    if imds {
        let metadata = req.headers().get("metadata").and_then(|v| v.to_str().ok());
        if !metadata.is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            record.note = Some("no Metadata: true header".to_owned());
            return json_response(
                400,
                json!({"error": "invalid_request", "error_description": "Required metadata header not specified"}),
            );
        }
    } else {
        let header = req.headers().get("x-identity-header").and_then(|v| v.to_str().ok());
        if header != Some(shared.config.identity_header.as_str()) {
            record.note = Some("x-identity-header missing or wrong".to_owned());
            return msi_error(
                401,
                "Unauthorized request: the x-identity-header is missing or invalid.",
            );
        }
    }
    let Some(api_version) = query_value(query, "api-version") else {
        return msi_error(400, "The api-version parameter is required.");
    };
    let supported: &[&str] = if imds {
        &["2018-02-01", "2019-08-01", "2021-02-01"]
    } else {
        &["2019-08-01"]
    };
    if !supported.contains(&api_version) {
        return msi_error(400, &format!("api-version {api_version} is not supported."));
    }
    let Some(resource) = query_value(query, "resource").filter(|r| !r.is_empty()) else {
        return msi_error(400, "The resource parameter is required.");
    };
    let identity = match select_managed(shared, query) {
        Ok(i) => i,
        Err(message) => {
            record.note = Some(message.clone());
            return msi_error(400, &message);
        }
    };
    let lifetime = shared.config.token_lifetime;
    let (token, exp) = shared.mint_entra(
        &identity.client_id,
        &identity.object_id,
        identity.has_role,
        &audience_of(resource),
        lifetime,
    );
    let expires_in = lifetime.as_secs().to_string();
    let mut body = json!({
        "access_token": token,
        "expires_on": exp.to_string(),
        "expires_in": expires_in,
        "resource": resource,
        "token_type": "Bearer",
        "client_id": identity.client_id,
    });
    if imds {
        body["ext_expires_in"] = json!(expires_in);
        body["not_before"] = json!(shared.now_secs().to_string());
    }
    json_response(200, body)
}

fn entra_error(status: u16, error: &str, code: u32, description: &str) -> Response<Body> {
    let trace = guid();
    let correlation = guid();
    let timestamp = azspeech_component::usp::format_timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
    );
    json_response(
        status,
        json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {correlation} Timestamp: {timestamp}"),
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace,
            "correlation_id": correlation,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}

fn tenant_ok(shared: &Shared, tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case(&shared.config.tenant_id)
}

fn tenant_missing(tenant: &str) -> Response<Body> {
    entra_error(
        400,
        "invalid_request",
        90002,
        &format!(
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
        ),
    )
}

async fn entra_token(
    shared: &Shared,
    req: Request<Incoming>,
    tenant: &str,
    record: &mut RequestRecord,
) -> Response<Body> {
    if req.method() != Method::POST {
        return entra_error(
            405,
            "invalid_request",
            900561,
            "The endpoint only accepts POST requests.",
        );
    }
    if !tenant_ok(shared, tenant) {
        record.note = Some(format!("unknown tenant {tenant}"));
        return tenant_missing(tenant);
    }
    let body = match Limited::new(req.into_body(), 256 * 1024).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return entra_error(
                400,
                "invalid_request",
                900144,
                "The request body is too large or unreadable.",
            );
        }
    };
    let form = parse_query(std::str::from_utf8(&body).ok());
    let param = |name: &str| query_value(&form, name).filter(|v| !v.is_empty());
    match param("grant_type") {
        Some("client_credentials") => {}
        Some(other) => {
            return entra_error(
                400,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            );
        }
        None => {
            return entra_error(
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'grant_type'.",
            );
        }
    }
    let Some(client_id) = param("client_id") else {
        return entra_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    let Some(app) = shared.config.identities.iter().find(|i| {
        matches!(i.kind, IdentityKind::ServicePrincipal { .. }) && i.client_id.eq_ignore_ascii_case(client_id)
    }) else {
        record.note = Some(format!("unknown client {client_id}"));
        return entra_error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant."
            ),
        );
    };
    let IdentityKind::ServicePrincipal { secret } = &app.kind else {
        return entra_error(400, "unauthorized_client", 700016, "Not an application.");
    };
    match (param("client_secret"), param("client_assertion")) {
        (Some(given), _) => {
            if secret.as_deref() != Some(given) {
                record.note = Some("wrong client secret".to_owned());
                return entra_error(
                    401,
                    "invalid_client",
                    7000215,
                    &format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                    ),
                );
            }
        }
        (None, Some(assertion)) => {
            let jwt_bearer =
                param("client_assertion_type") == Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
            let jwt_shaped = assertion.split('.').count() == 3 && assertion.split('.').all(|p| !p.is_empty());
            if !jwt_bearer || !jwt_shaped {
                record.note = Some("bad client assertion".to_owned());
                return entra_error(
                    401,
                    "invalid_client",
                    50027,
                    "Invalid JWT token. The client assertion is not a JWT of type urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
                );
            }
        }
        (None, None) => {
            return entra_error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            );
        }
    }
    let Some(scope) = param("scope") else {
        return entra_error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    };
    let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
    let Some(resource_scope) = scopes.iter().find(|s| s.ends_with("/.default")) else {
        return entra_error(
            400,
            "invalid_scope",
            1002012,
            &format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        );
    };
    let lifetime = shared.config.token_lifetime;
    let (token, _) = shared.mint_entra(
        &app.client_id,
        &app.object_id,
        app.has_role,
        &audience_of(resource_scope),
        lifetime,
    );
    json_response(
        200,
        json!({
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
            "ext_expires_in": lifetime.as_secs(),
            "access_token": token,
        }),
    )
}

fn openid_configuration(shared: &Shared, req: &Request<Incoming>, tenant: &str, tls: bool) -> Response<Body> {
    if !tenant_ok(shared, tenant) {
        return tenant_missing(tenant);
    }
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| shared.addr.to_string());
    let base = format!("{}://{host}/{tenant}", if tls { "https" } else { "http" });
    json_response(
        200,
        json!({
            "token_endpoint": format!("{base}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{base}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "oid", "tid"],
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
        }),
    )
}

/// Serve an identity route.
pub(crate) async fn handle(
    shared: &Shared,
    req: Request<Incoming>,
    route: &Route,
    query: &[(String, String)],
    tls: bool,
    record: &mut RequestRecord,
) -> Response<Body> {
    match route {
        Route::MsiToken => managed_token(shared, &req, query, false, record),
        Route::ImdsToken => managed_token(shared, &req, query, true, record),
        Route::EntraToken { tenant } => entra_token(shared, req, tenant, record).await,
        Route::OpenIdConfiguration { tenant } => openid_configuration(shared, &req, tenant, tls),
        _ => msi_error(404, "Not found."),
    }
}
