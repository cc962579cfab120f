//! What a host's addresses and a probe's outcome say about the network path: a private
//! endpoint or the public one, and on a failure the likely causes with how to check each
//! (`wit/reachability.wit`).

pub mod address;

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::link::NetworkErrorKind;
use crate::bindings::exports::azspeech::core::reachability::{
    AddressClass, Advice, ClassifiedAddress, ConnectOutcome, ReachabilityReport, Resolution, Verdict,
};
use crate::bindings::exports::azspeech::core::types::EndpointKind;

/// The private DNS zone of Cognitive Services private endpoints (public cloud).
const PRIVATE_ZONE: &str = "privatelink.cognitiveservices.azure.com";

/// Assess `host` from its `resolution` and the probe's `outcome`.
pub fn assess(
    settings: &Settings,
    host: &str,
    resolution: &Resolution,
    outcome: &ConnectOutcome,
) -> ReachabilityReport {
    let (addresses, source) = match resolution {
        Resolution::Resolved(addresses) => (classified(addresses), "resolves to"),
        Resolution::Overridden(address) => (
            classified(std::slice::from_ref(address)),
            "is overridden (--connect-to) to",
        ),
        Resolution::Unresolved(_) | Resolution::ViaProxy(_) => (Vec::new(), ""),
    };
    let verdict = match resolution {
        Resolution::Unresolved(_) => Verdict::Unresolved,
        Resolution::ViaProxy(_) => Verdict::ViaProxy,
        _ => verdict_of(&addresses),
    };
    let failed = match outcome {
        ConnectOutcome::Failed(failure) => Some(failure),
        ConnectOutcome::Answered | ConnectOutcome::NotTried => None,
    };
    let listed = addresses
        .iter()
        .map(|a| a.address.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let what = match verdict {
        Verdict::PrivateEndpoint => {
            format!("`{host}` {source} the private address {listed}: a private endpoint is in use")
        }
        Verdict::PublicEndpoint => {
            format!("`{host}` {source} the public address {listed}: no private endpoint is used from this network")
        }
        Verdict::Loopback => {
            format!("`{host}` {source} {listed} on this machine (an emulator, a container or a tunnel)")
        }
        Verdict::Mixed => format!("`{host}` {source} private and public addresses ({listed})"),
        Verdict::Unusable => format!("`{host}` {source} {listed}, which cannot be a service address"),
        Verdict::Unresolved => match resolution {
            Resolution::Unresolved(message) => {
                format!("`{host}` does not resolve ({})", crate::failures::excerpt(message))
            }
            _ => format!("`{host}` does not resolve"),
        },
        Verdict::ViaProxy => match resolution {
            Resolution::ViaProxy(proxy) => {
                format!(
                    "`{host}` is reached through the proxy {proxy}, which resolves it: its addresses are not visible from here"
                )
            }
            _ => format!("`{host}` is reached through a proxy"),
        },
    };
    let how = match (outcome, failed) {
        (ConnectOutcome::Answered, _) => "; the service answered".to_owned(),
        (_, Some(failure)) => format!("; connecting failed ({})", crate::failures::excerpt(&failure.message)),
        _ => String::new(),
    };
    let advice = match (verdict, failed) {
        (Verdict::Unresolved, _) => unresolved_advice(settings, host),
        (_, Some(failure)) => failure_advice(settings, host, verdict, failure.kind),
        (Verdict::Mixed, None) => vec![split_horizon(host)],
        (Verdict::Unusable, None) => vec![Advice {
            cause: "the override or DNS record points at an address no service can have".to_owned(),
            check: format!("fix the --connect-to / AZSPEECH_CONNECT_TO entry or the DNS record of `{host}`"),
        }],
        _ => Vec::new(),
    };
    ReachabilityReport {
        host: host.to_owned(),
        addresses,
        verdict,
        summary: format!("{what}{how}"),
        advice,
    }
}

fn classified(addresses: &[String]) -> Vec<ClassifiedAddress> {
    addresses
        .iter()
        .map(|address| ClassifiedAddress {
            address: address.clone(),
            class: address::classify(address).unwrap_or(AddressClass::Reserved),
        })
        .collect()
}

fn verdict_of(addresses: &[ClassifiedAddress]) -> Verdict {
    let all = |class: AddressClass| !addresses.is_empty() && addresses.iter().all(|a| a.class == class);
    let any = |class: AddressClass| addresses.iter().any(|a| a.class == class);
    if addresses.is_empty() {
        Verdict::Unresolved
    } else if all(AddressClass::Private) {
        Verdict::PrivateEndpoint
    } else if all(AddressClass::Public) {
        Verdict::PublicEndpoint
    } else if all(AddressClass::Loopback) {
        Verdict::Loopback
    } else if any(AddressClass::Private) && any(AddressClass::Public) {
        Verdict::Mixed
    } else if any(AddressClass::Public) {
        Verdict::PublicEndpoint
    } else if any(AddressClass::Private) {
        Verdict::PrivateEndpoint
    } else if any(AddressClass::Loopback) {
        Verdict::Loopback
    } else {
        Verdict::Unusable
    }
}

/// The resource's name, for commands: the custom domain's first label, else the resource id's
/// last segment, else a placeholder.
fn resource_name(settings: &Settings) -> String {
    if matches!(settings.endpoint.kind, EndpointKind::CustomDomain)
        && let Some(label) = settings.endpoint.host.split('.').next()
    {
        return label.to_owned();
    }
    settings
        .resource_id
        .as_deref()
        .and_then(|id| id.rsplit('/').find(|segment| !segment.is_empty()))
        .map_or_else(|| "<name>".to_owned(), str::to_owned)
}

fn show_network(settings: &Settings) -> String {
    format!(
        "az cognitiveservices account show -n {} -g <group> --query \"{{publicNetworkAccess:properties.publicNetworkAccess, networkAcls:properties.networkAcls, privateEndpoints:properties.privateEndpointConnections[].properties.privateEndpoint.id}}\"",
        resource_name(settings)
    )
}

fn dns_not_linked(host: &str) -> Advice {
    Advice {
        cause: format!(
            "the resource has a private endpoint, but this network's DNS is not linked to the private zone {PRIVATE_ZONE}, so `{host}` resolves to the public address"
        ),
        check: format!(
            "`nslookup {host}` should answer with a CNAME into {PRIVATE_ZONE} and a private address; list the zone's links with `az network private-dns link vnet list -g <group> -z {PRIVATE_ZONE}` (a custom DNS server must forward to Azure DNS, 168.63.129.16)"
        ),
    }
}

fn split_horizon(host: &str) -> Advice {
    Advice {
        cause: format!(
            "`{host}` resolves to both private and public addresses: DNS servers disagree (a private zone on some, public DNS on others)"
        ),
        check: format!(
            "compare `nslookup {host}` on each DNS server in /etc/resolv.conf; link the private zone {PRIVATE_ZONE} for all of them"
        ),
    }
}

fn unresolved_advice(settings: &Settings, host: &str) -> Vec<Advice> {
    vec![
        Advice {
            cause: format!("a typo in the host `{host}`"),
            check: format!(
                "compare SPEECH_ENDPOINT / SPEECH_REGION with `az cognitiveservices account show -n {} -g <group> --query properties.endpoint`",
                resource_name(settings)
            ),
        },
        Advice {
            cause: format!(
                "the private DNS zone {PRIVATE_ZONE} is not linked to this network, or a custom DNS server does not forward to Azure DNS"
            ),
            check: format!("`nslookup {host}`; `az network private-dns link vnet list -g <group> -z {PRIVATE_ZONE}`"),
        },
    ]
}

fn failure_advice(settings: &Settings, host: &str, verdict: Verdict, kind: NetworkErrorKind) -> Vec<Advice> {
    let regional = matches!(settings.endpoint.kind, EndpointKind::Regional);
    let mut advice = Vec::new();
    if matches!(kind, NetworkErrorKind::Tls) {
        advice.push(Advice {
            cause: "a TLS-inspecting proxy or firewall replaces the service's certificate".to_owned(),
            check: format!(
                "`openssl s_client -connect {host}:443 -servername {host}` shows the issuer; trust its CA with AZSPEECH_CA_FILE (--ca-file)"
            ),
        });
    }
    match verdict {
        Verdict::PrivateEndpoint => {
            advice.push(Advice {
                cause: "this machine is outside the virtual network of the private endpoint (and of the networks peered or connected to it by VPN / ExpressRoute)".to_owned(),
                check: format!(
                    "run `azspeech doctor --probe` from a VM in that virtual network; `{}` shows the private endpoint",
                    show_network(settings)
                ),
            });
            advice.push(Advice {
                cause: "a network security group or firewall between here and the endpoint blocks TCP port 443".to_owned(),
                check: format!("`nc -vz {host} 443` from here; `az network nsg rule list -g <group> --nsg-name <nsg> -o table`"),
            });
        }
        Verdict::PublicEndpoint | Verdict::Mixed => {
            if regional {
                advice.push(Advice {
                    cause: format!(
                        "a regional host (`{host}`) is used, but private endpoints and network rules apply only to the resource's custom domain"
                    ),
                    check: format!(
                        "set SPEECH_ENDPOINT=https://{}.cognitiveservices.azure.com/ (the resource's custom domain: `az cognitiveservices account show -n {} -g <group> --query properties.endpoint`)",
                        resource_name(settings),
                        resource_name(settings)
                    ),
                });
            }
            advice.push(Advice {
                cause: "the resource allows only selected networks (or disables public network access), and this machine's address is not among them".to_owned(),
                check: show_network(settings),
            });
            advice.push(dns_not_linked(host));
            if matches!(verdict, Verdict::Mixed) {
                advice.push(split_horizon(host));
            }
            advice.push(Advice {
                cause: "outbound traffic must go through a proxy or is blocked by a firewall".to_owned(),
                check: "set HTTPS_PROXY=http://proxy:port (see `azspeech doctor`'s proxy section); ask the network's administrators which route port 443 takes".to_owned(),
            });
        }
        Verdict::ViaProxy => advice.push(Advice {
            cause: "the proxy cannot reach the service, or a private endpoint is reachable only directly".to_owned(),
            check: format!("list `{host}` in NO_PROXY to connect directly, or ask the proxy's administrators"),
        }),
        Verdict::Loopback => advice.push(Advice {
            cause: "nothing listens on the local address (an emulator or a tunnel that is not running)".to_owned(),
            check: "start the emulator (`azspeech emulator`) or the tunnel; check the port in SPEECH_ENDPOINT or --connect-to".to_owned(),
        }),
        Verdict::Unusable => advice.push(Advice {
            cause: "the override or DNS record points at an address no service can have".to_owned(),
            check: format!("fix the --connect-to / AZSPEECH_CONNECT_TO entry or the DNS record of `{host}`"),
        }),
        Verdict::Unresolved => {}
    }
    advice
}

#[cfg(test)]
mod tests;
