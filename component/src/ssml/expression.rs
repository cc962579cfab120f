//! Voice expression for plain text: `<mstts:express-as style styledegree role>` and
//! `<prosody volume>`, checked as the service accepts them (its SSML reference: styles are the
//! voice's style names, `styledegree` 0.01–2, eight roles; volume a named level, an absolute
//! 0–100, or a relative change).

use super::{SsmlError, is_number_with};

/// Smallest `styledegree`.
pub const MIN_STYLE_DEGREE: f32 = 0.01;
/// Largest `styledegree`.
pub const MAX_STYLE_DEGREE: f32 = 2.0;

/// The roles a voice can play (`role` of `mstts:express-as`), as the service spells them.
pub const ROLES: &[&str] = &[
    "Girl",
    "Boy",
    "YoungAdultFemale",
    "YoungAdultMale",
    "OlderAdultFemale",
    "OlderAdultMale",
    "SeniorFemale",
    "SeniorMale",
];

/// A checked `mstts:express-as`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expression<'a> {
    /// The style, e.g. `cheerful`.
    pub style: &'a str,
    /// Its intensity, 0.01–2.
    pub degree: Option<f32>,
    /// The role, as the service spells it.
    pub role: Option<&'static str>,
}

/// Check a style name: 1–50 ASCII letters, digits and `-` (`cheerful`,
/// `narration-professional`), case kept as given.
pub fn check_style(style: &str) -> Result<(), SsmlError> {
    let ok = (1..=50).contains(&style.len())
        && style.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && style.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
    ok.then_some(()).ok_or_else(|| {
        SsmlError::at(
            0,
            "style must be a style name such as cheerful, sad or narration-professional (`azspeech voices --style NAME` lists the voices that have it)",
        )
    })
}

/// Check a `styledegree`: 0.01 to 2.
pub fn check_style_degree(degree: f32) -> Result<(), SsmlError> {
    (MIN_STYLE_DEGREE..=MAX_STYLE_DEGREE)
        .contains(&degree)
        .then_some(())
        .ok_or_else(|| {
            SsmlError::at(
                0,
                "style degree must be between 0.01 and 2 (1 is the style's default intensity)",
            )
        })
}

/// The role called `role` (ASCII case-insensitive), as the service spells it.
pub fn role(role: &str) -> Result<&'static str, SsmlError> {
    ROLES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(role))
        .copied()
        .ok_or_else(|| SsmlError::at(0, format!("role must be one of {}", ROLES.join(", "))))
}

/// Check a `<prosody volume>` value: `silent`, `x-soft`, `soft`, `medium`, `loud`, `x-loud`,
/// `default`, an absolute `0`–`100`, or a change (`+10`, `-5.5`, `+20%`).
pub fn check_volume(value: &str) -> Result<(), SsmlError> {
    let named = matches!(
        value,
        "silent" | "x-soft" | "soft" | "medium" | "loud" | "x-loud" | "default"
    );
    let absolute = is_number_with(value, "", false) && value.parse::<f32>().is_ok_and(|v| v <= 100.0);
    let relative =
        value.starts_with(['+', '-']) && (is_number_with(value, "", true) || is_number_with(value, "%", true));
    (named || absolute || relative).then_some(()).ok_or_else(|| {
        SsmlError::at(
            0,
            "volume must be silent, x-soft, soft, medium, loud, x-loud, default, a level 0 to 100, or a change like +10, -5.5 or +20%",
        )
    })
}

/// Check a style with its degree and role; a degree or role without a style is an error.
pub fn check<'a>(
    style: Option<&'a str>,
    degree: Option<f32>,
    role_name: Option<&str>,
) -> Result<Option<Expression<'a>>, SsmlError> {
    let Some(style) = style else {
        if degree.is_some() || role_name.is_some() {
            return Err(SsmlError::at(
                0,
                "a style degree or role needs a style: add a style such as cheerful",
            ));
        }
        return Ok(None);
    };
    check_style(style)?;
    if let Some(degree) = degree {
        check_style_degree(degree)?;
    }
    let role = role_name.map(role).transpose()?;
    Ok(Some(Expression { style, degree, role }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn volume_forms() {
        for good in [
            "silent", "x-loud", "default", "0", "50", "100", "87.5", "+10", "-5.5", "+20%", "-50%",
        ] {
            assert!(check_volume(good).is_ok(), "{good}");
        }
        for bad in ["", "loudest", "101", "10%", "+10dB", "'/><x", "1e3", "--5"] {
            assert!(check_volume(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn styles_degrees_and_roles() {
        assert_eq!(
            check(Some("cheerful"), Some(1.5), Some("girl")).unwrap(),
            Some(Expression {
                style: "cheerful",
                degree: Some(1.5),
                role: Some("Girl")
            })
        );
        assert_eq!(check(None, None, None).unwrap(), None);
        for (style, degree, role) in [
            (None, Some(1.0), None),
            (None, None, Some("Girl")),
            (Some("cheer ful"), None, None),
            (Some("'x"), None, None),
            (Some(""), None, None),
            (Some("cheerful"), Some(0.0), None),
            (Some("cheerful"), Some(2.5), None),
            (Some("cheerful"), Some(f32::NAN), None),
            (Some("cheerful"), None, Some("Grandma")),
        ] {
            assert!(check(style, degree, role).is_err(), "{style:?} {degree:?} {role:?}");
        }
    }
}
