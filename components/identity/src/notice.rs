//! pagoPA notice numbers (numero avviso): the 18 digits printed on a payment notice, which a
//! payer types or scans to pay through any payment provider.
//!
//! The first digit (the aux digit) tells how the other 17 are built:
//! - `0`: a two-digit application code, a 13-digit IUV base, two check digits;
//! - `1`: a 17-digit IUV chosen freely by the creditor, with no check digits;
//! - `2`: a 15-digit IUV base and two check digits;
//! - `3`: a two-digit segregation code (which of the creditor's systems issued it), a 13-digit
//!   IUV base and two check digits.
//!
//! The check digits are the remainder of the division by 93 of the number formed by every digit
//! before them, aux digit included, written on two digits.

use std::fmt;

/// Digits in a notice number.
pub const NOTICE_NUMBER_DIGITS: usize = 18;
/// The modulus of the check digits.
const CHECK_MODULUS: u128 = 93;
/// Digits of the IUV base when the aux digit is 3 (after the segregation code).
pub const IUV_BASE_DIGITS: usize = 13;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeError {
    /// Not 18 decimal digits.
    Shape,
    /// The first digit is not 0, 1, 2 or 3.
    AuxDigit,
    /// The last two digits are not the remainder modulo 93 of the others.
    CheckDigits,
}

impl fmt::Display for NoticeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape => f.write_str("a pagoPA notice number has 18 digits"),
            Self::AuxDigit => f.write_str("a pagoPA notice number starts with 0, 1, 2 or 3"),
            Self::CheckDigits => {
                f.write_str("the notice number's check digits do not match (remainder modulo 93)")
            }
        }
    }
}

impl std::error::Error for NoticeError {}

/// An 18-digit pagoPA notice number with a valid structure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NoticeNumber(String);

impl NoticeNumber {
    pub fn parse(raw: &str) -> Result<Self, NoticeError> {
        let digits = raw.trim();
        if digits.len() != NOTICE_NUMBER_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NoticeError::Shape);
        }
        match digits.as_bytes()[0] {
            b'1' => {}
            b'0' | b'2' | b'3' => {
                let (body, check) = digits.split_at(NOTICE_NUMBER_DIGITS - 2);
                if check_digits(body) != check {
                    return Err(NoticeError::CheckDigits);
                }
            }
            _ => return Err(NoticeError::AuxDigit),
        }
        Ok(Self(digits.to_string()))
    }

    /// The notice number for aux digit 3: `segregation_code` (2 digits) and `iuv_base` (13
    /// digits), with their check digits. `None` when either has the wrong shape.
    pub fn with_segregation_code(segregation_code: &str, iuv_base: &str) -> Option<Self> {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(segregation_code, 2) || !digits(iuv_base, IUV_BASE_DIGITS) {
            return None;
        }
        let body = format!("3{segregation_code}{iuv_base}");
        let check = check_digits(&body);
        Some(Self(format!("{body}{check}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The IUV (identificativo univoco di versamento): the 17 digits after the aux digit.
    pub fn iuv(&self) -> &str {
        &self.0[1..]
    }
}

impl fmt::Display for NoticeNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The two check digits of `body` (16 decimal digits, which fit a u128 easily).
fn check_digits(body: &str) -> String {
    let value: u128 = body.parse().expect("the body is decimal digits");
    format!("{:02}", value % CHECK_MODULUS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_numbers_parse_back() {
        // 3 | 02 | 0000000000001: the body 3,020,000,000,000,001 = 3×10^15 + 2×10^13 + 1.
        // By hand, modulo 93: 10^3 ≡ 70, 10^6 ≡ 70² = 4900 ≡ 64, 10^12 ≡ 64² = 4096 ≡ 4,
        // 10^13 ≡ 40, 10^15 ≡ 4 × 70 = 280 ≡ 1; so the remainder is 3 + 80 + 1 = 84.
        let n = NoticeNumber::with_segregation_code("02", "0000000000001").unwrap();
        assert_eq!(n.as_str(), "302000000000000184");
        assert_eq!(NoticeNumber::parse("302000000000000184"), Ok(n.clone()));
        assert_eq!(n.iuv(), "02000000000000184");
        assert!(NoticeNumber::with_segregation_code("2", "0000000000001").is_none());
        assert!(NoticeNumber::with_segregation_code("02", "000000000001").is_none());
    }

    #[test]
    fn malformed_numbers() {
        let table: &[(&str, NoticeError)] = &[
            ("30200000000000018", NoticeError::Shape),
            ("3020000000000001844", NoticeError::Shape),
            ("30200000000000018a", NoticeError::Shape),
            ("402000000000000184", NoticeError::AuxDigit),
            ("302000000000000185", NoticeError::CheckDigits),
            ("302000000000000284", NoticeError::CheckDigits),
        ];
        for (raw, expected) in table {
            assert_eq!(NoticeNumber::parse(raw).as_ref(), Err(expected), "{raw}");
        }
        // Aux digit 1 has no check digits: any 17 digits after it.
        assert!(NoticeNumber::parse("112345678901234567").is_ok());
        // Aux digit 0 | application code 01 | base 0000000000001: the body is 10^13 + 1 ≡ 41.
        assert!(NoticeNumber::parse("001000000000000141").is_ok());
        assert_eq!(
            NoticeNumber::parse("001000000000000142"),
            Err(NoticeError::CheckDigits)
        );
    }
}
