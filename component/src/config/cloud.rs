//! The Azure clouds: their names, host suffixes and Entra token scopes (auth.md §1.3).

use super::{config_error, suggest};
use crate::bindings::exports::azspeech::core::types::{Cloud, ConfigError, ConfigErrorCode};

/// Every cloud, in a fixed order.
pub const ALL: [Cloud; 3] = [Cloud::Public, Cloud::UsGovernment, Cloud::China];

/// The `SPEECH_CLOUD` spelling of a cloud.
pub fn name(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "public",
        Cloud::UsGovernment => "us-government",
        Cloud::China => "china",
    }
}

/// Parse `SPEECH_CLOUD`: `public`, `us-government`, `china`, case-insensitive. The names the Azure
/// CLI uses (`AzureCloud`, `AzureUSGovernment`, `AzureChinaCloud`) are accepted too.
pub fn parse(value: &str) -> Result<Cloud, ConfigError> {
    let lower = value.to_ascii_lowercase();
    match lower.as_str() {
        "public" | "azurecloud" | "azurepublic" | "azurepubliccloud" => Ok(Cloud::Public),
        "us-government" | "usgovernment" | "usgov" | "azureusgovernment" | "azuregovernment" => Ok(Cloud::UsGovernment),
        "china" | "azurechinacloud" | "azurechina" => Ok(Cloud::China),
        _ => {
            let names = ALL.map(name);
            let hint = suggest::closest(&lower, &names, 4)
                .map(|close| format!("SPEECH_CLOUD={close}"))
                .unwrap_or_else(|| "SPEECH_CLOUD=public, us-government or china (or unset it)".to_owned());
            let shown: String = value.chars().take(40).collect();
            Err(config_error(
                ConfigErrorCode::UnknownCloud,
                Some("SPEECH_CLOUD"),
                format!("SPEECH_CLOUD={shown} is not a cloud azspeech knows"),
                format!("set {hint}"),
            ))
        }
    }
}

/// `speech.microsoft.com` and its sovereign counterparts: `{region}.stt.{this}`.
pub fn speech_suffix(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "speech.microsoft.com",
        Cloud::UsGovernment => "speech.azure.us",
        Cloud::China => "speech.azure.cn",
    }
}

/// `api.cognitive.microsoft.com` and its sovereign counterparts: `{region}.{this}` (STS, REST).
pub fn api_suffix(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "api.cognitive.microsoft.com",
        Cloud::UsGovernment => "api.cognitive.microsoft.us",
        Cloud::China => "api.cognitive.azure.cn",
    }
}

/// `cognitiveservices.azure.com` and its sovereign counterparts: `{custom-name}.{this}`.
pub fn custom_domain_suffix(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "cognitiveservices.azure.com",
        Cloud::UsGovernment => "cognitiveservices.azure.us",
        Cloud::China => "cognitiveservices.azure.cn",
    }
}

/// The Entra token scope for Cognitive Services in `cloud`.
pub fn scope(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Public => "https://cognitiveservices.azure.com/.default",
        Cloud::UsGovernment => "https://cognitiveservices.azure.us/.default",
        Cloud::China => "https://cognitiveservices.azure.cn/.default",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for cloud in ALL {
            assert!(matches!(parse(name(cloud)), Ok(parsed) if parsed == cloud));
        }
        assert!(matches!(parse("AzureUSGovernment"), Ok(Cloud::UsGovernment)));
        assert!(matches!(parse("CHINA"), Ok(Cloud::China)));
    }

    #[test]
    fn unknown_cloud() {
        let Err(error) = parse("germany") else {
            panic!("germany is not a cloud")
        };
        assert!(matches!(error.code, ConfigErrorCode::UnknownCloud));
        assert_eq!(error.variable.as_deref(), Some("SPEECH_CLOUD"));
        let Err(error) = parse("us-govenment") else {
            panic!("a typo is not a cloud")
        };
        assert!(error.fix.contains("us-government"), "{}", error.fix);
    }
}
