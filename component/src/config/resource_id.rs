//! The ARM resource id of the Speech resource (`SPEECH_RESOURCE_ID`), which the `aad#` token form
//! carries: `/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.CognitiveServices/accounts/<name>`.

use super::config_error;
use crate::bindings::exports::azspeech::core::types::{ConfigError, ConfigErrorCode};

const VARIABLE: &str = "SPEECH_RESOURCE_ID";
const FORM: &str = "/subscriptions/<subscription-guid>/resourceGroups/<resource-group>/providers/Microsoft.CognitiveServices/accounts/<account-name>";

/// Validate a resource id. Returns it as given (a single trailing `/` removed): Azure compares
/// resource ids case-insensitively, and the `aad#` token should carry the portal's spelling.
pub fn parse(value: &str) -> Result<String, ConfigError> {
    let id = value.strip_suffix('/').unwrap_or(value);
    match check(id) {
        Ok(()) => Ok(id.to_owned()),
        Err(problem) => Err(config_error(
            ConfigErrorCode::InvalidValue,
            Some(VARIABLE),
            format!("SPEECH_RESOURCE_ID is not an ARM resource id of a Speech resource: {problem}"),
            format!(
                "copy the Resource ID from the Azure portal (Speech resource → Properties → Resource ID, or `az cognitiveservices account show -n <name> -g <group> --query id -o tsv`); it has the form {FORM}"
            ),
        )),
    }
}

fn check(id: &str) -> Result<(), &'static str> {
    if !id.is_ascii() {
        return Err("it contains non-ASCII characters");
    }
    let Some(rest) = id.strip_prefix('/') else {
        return Err("it must start with /subscriptions/");
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let [
        subscriptions,
        subscription,
        resource_groups,
        group,
        providers,
        provider,
        accounts,
        name,
    ] = segments.as_slice()
    else {
        return Err("it must have exactly eight segments");
    };
    let keyword = |segment: &str, expected: &str| segment.eq_ignore_ascii_case(expected);
    if !keyword(subscriptions, "subscriptions") {
        return Err("it must start with /subscriptions/");
    }
    if !is_guid(subscription) {
        return Err("the subscription id is not a GUID");
    }
    if !keyword(resource_groups, "resourceGroups") {
        return Err("the third segment must be resourceGroups");
    }
    if !is_resource_group(group) {
        return Err("the resource group name is not valid");
    }
    if !keyword(providers, "providers") || !keyword(provider, "Microsoft.CognitiveServices") {
        return Err("the provider must be Microsoft.CognitiveServices");
    }
    if !keyword(accounts, "accounts") {
        return Err("the resource type must be accounts");
    }
    if !is_account_name(name) {
        return Err("the account name is not valid (2 to 64 letters, digits and hyphens)");
    }
    Ok(())
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Resource group names: 1–90 characters, letters, digits, `_`, `-`, `.`, `(`, `)`, not ending in `.`.
fn is_resource_group(text: &str) -> bool {
    (1..=90).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'(' | b')'))
        && !text.ends_with('.')
}

/// Cognitive Services account names: 2–64 letters, digits and `-`, not starting or ending with `-`.
fn is_account_name(text: &str) -> bool {
    (2..=64).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-speech/providers/Microsoft.CognitiveServices/accounts/my-speech";

    #[test]
    fn accepted() {
        for id in [
            GOOD,
            "/subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/rg.(x)_1/providers/microsoft.cognitiveservices/accounts/ab",
            "/SUBSCRIPTIONS/ABCDEF00-1111-2222-3333-444444444444/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.COGNITIVESERVICES/ACCOUNTS/AB",
        ] {
            assert!(parse(id).is_ok(), "{id}");
        }
        assert!(matches!(parse(&format!("{GOOD}/")), Ok(id) if id == GOOD));
    }

    #[test]
    fn rejected() {
        for id in [
            "",
            "/",
            "subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a1",
            "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a1",
            "/subscriptions/00000000-1111-2222-3333-44444444444g/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a1",
            "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a1",
            "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.CognitiveServices/workspaces/a1",
            "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
            "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a1/extra",
            "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg./providers/Microsoft.CognitiveServices/accounts/a1",
            "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups//providers/Microsoft.CognitiveServices/accounts/a1",
            "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a#1",
            "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/ä1",
        ] {
            let result = parse(id);
            assert!(
                matches!(&result, Err(e) if matches!(e.code, ConfigErrorCode::InvalidValue) && e.variable.as_deref() == Some(VARIABLE)),
                "{id}"
            );
        }
    }
}
