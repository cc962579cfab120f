//! The Azure regions that host the Speech service, and the cloud each belongs to.
//!
//! The public list follows the Speech "supported regions" page (Speech service table) plus the
//! regions where Azure AI services resources with Speech are commonly created; Azure Government
//! and Azure China follow the sovereign-clouds page (auth.md §1.3).

use super::{cloud, config_error, suggest};
use crate::bindings::exports::azspeech::core::types::{Cloud, ConfigError, ConfigErrorCode};

/// A known Speech region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// The region identifier, e.g. `westeurope`.
    pub name: &'static str,
    /// The cloud it belongs to.
    pub cloud: Cloud,
}

/// Every region azspeech accepts.
pub const REGIONS: &[Region] = &[
    public("australiaeast"),
    public("brazilsouth"),
    public("canadacentral"),
    public("canadaeast"),
    public("centralindia"),
    public("centralus"),
    public("eastasia"),
    public("eastus"),
    public("eastus2"),
    public("francecentral"),
    public("germanywestcentral"),
    public("italynorth"),
    public("japaneast"),
    public("japanwest"),
    public("jioindiawest"),
    public("koreacentral"),
    public("northcentralus"),
    public("northeurope"),
    public("norwayeast"),
    public("qatarcentral"),
    public("southafricanorth"),
    public("southcentralus"),
    public("southeastasia"),
    public("southindia"),
    public("swedencentral"),
    public("switzerlandnorth"),
    public("switzerlandwest"),
    public("uaenorth"),
    public("uksouth"),
    public("ukwest"),
    public("westcentralus"),
    public("westeurope"),
    public("westus"),
    public("westus2"),
    public("westus3"),
    Region {
        name: "usgovarizona",
        cloud: Cloud::UsGovernment,
    },
    Region {
        name: "usgovvirginia",
        cloud: Cloud::UsGovernment,
    },
    Region {
        name: "chinaeast2",
        cloud: Cloud::China,
    },
    Region {
        name: "chinanorth2",
        cloud: Cloud::China,
    },
    Region {
        name: "chinanorth3",
        cloud: Cloud::China,
    },
];

const fn public(name: &'static str) -> Region {
    Region {
        name,
        cloud: Cloud::Public,
    }
}

/// The known region named `name` (case-insensitive).
pub fn lookup(name: &str) -> Option<Region> {
    REGIONS
        .iter()
        .find(|region| region.name.eq_ignore_ascii_case(name))
        .copied()
}

/// Parse a region setting (`variable` names it in errors).
pub fn parse(value: &str, variable: &str) -> Result<Region, ConfigError> {
    if let Some(region) = lookup(value) {
        return Ok(region);
    }
    Err(unknown(value, variable))
}

/// The error for a region that is not in [`REGIONS`], with the closest known region.
pub fn unknown(value: &str, variable: &str) -> ConfigError {
    let shown: String = value.chars().take(40).collect();
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let names: Vec<&str> = REGIONS.iter().map(|region| region.name).collect();
    let suggestion = lookup(&compact)
        .map(|region| region.name)
        .or_else(|| suggest::closest(&compact, &names, 3));
    let fix = match suggestion {
        Some(name) => format!(
            "did you mean {variable}={name}? Use the region identifier from the Azure portal (Overview → Location, lowercase, no spaces)"
        ),
        None => format!(
            "set {variable} to the region identifier of your Speech resource (e.g. westeurope, eastus, usgovvirginia, chinaeast2), as shown by `az cognitiveservices account show --query location`"
        ),
    };
    config_error(
        ConfigErrorCode::UnknownRegion,
        Some(variable),
        format!("{variable}={shown} is not an Azure Speech region"),
        fix,
    )
}

/// One sentence about which cloud a region implies, for explanations.
pub fn describe(region: Region) -> String {
    format!("region {} is in the {} cloud", region.name, cloud::name(region.cloud))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sovereign_regions_are_known() {
        for (name, expected) in [
            ("usgovarizona", Cloud::UsGovernment),
            ("usgovvirginia", Cloud::UsGovernment),
            ("chinaeast2", Cloud::China),
            ("chinanorth2", Cloud::China),
            ("chinanorth3", Cloud::China),
            ("WestEurope", Cloud::Public),
        ] {
            let region = lookup(name).map(|r| r.cloud);
            assert_eq!(region, Some(expected), "{name}");
        }
    }

    /// The table agrees with the SDKs' rule: `usgov*` is Azure Government, `china*` is Azure China.
    #[test]
    fn clouds_follow_the_prefix_rule() {
        for region in REGIONS {
            let by_prefix = if region.name.starts_with("usgov") {
                Cloud::UsGovernment
            } else if region.name.starts_with("china") {
                Cloud::China
            } else {
                Cloud::Public
            };
            assert_eq!(region.cloud, by_prefix, "{}", region.name);
            assert!(
                region
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            );
        }
    }

    #[test]
    fn unknown_region_suggests() {
        let error = unknown("West Europe", "SPEECH_REGION");
        assert!(matches!(error.code, ConfigErrorCode::UnknownRegion));
        assert!(error.fix.contains("SPEECH_REGION=westeurope"), "{}", error.fix);
        let error = unknown("westeruope", "SPEECH_REGION");
        assert!(error.fix.contains("westeurope"), "{}", error.fix);
        let error = unknown("mars", "SPEECH_REGION");
        assert!(error.fix.contains("region identifier"), "{}", error.fix);
    }
}
