//! The twenty Italian regions, by the slug the API uses (`lazio`, `valle-d-aosta`), shared by
//! the gateway (a change of residence from the civil registry) and the components (regional
//! experts, campaign segments; `welfare_guest::region` wraps them in a serde newtype).

/// The twenty Italian regions, by the slug the API uses.
pub const REGIONS: &[&str] = &[
    "abruzzo",
    "basilicata",
    "calabria",
    "campania",
    "emilia-romagna",
    "friuli-venezia-giulia",
    "lazio",
    "liguria",
    "lombardia",
    "marche",
    "molise",
    "piemonte",
    "puglia",
    "sardegna",
    "sicilia",
    "toscana",
    "trentino-alto-adige",
    "umbria",
    "valle-d-aosta",
    "veneto",
];

/// Whether `slug` is one of [`REGIONS`] (exactly: lower case, dashes).
pub fn is_region(slug: &str) -> bool {
    REGIONS.binary_search(&slug).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_twenty_and_sorted() {
        assert_eq!(REGIONS.len(), 20);
        assert!(REGIONS.windows(2).all(|w| w[0] < w[1]));
        assert!(is_region("emilia-romagna"));
        assert!(!is_region("Lazio"));
    }
}
