//! Identifiers of people, companies and payments, as newtypes that cannot hold an invalid
//! value: a [`FiscalCode`] (codice fiscale, with its check character and omocodia letters), a
//! [`VatNumber`] (partita IVA, with its check digit) and a pagoPA [`NoticeNumber`].
//!
//! # Layout
//! - this file: the fiscal code and the VAT number, their error, and what a fiscal code says
//!   about its holder ([`Birth`]);
//! - [`notice`]: pagoPA notice numbers (18 digits, aux digit, check digits modulo 93), shared
//!   by the contributions domain that issues them and the notifications that carry them;
//! - [`region`]: the twenty regions' slugs.
//!
//! The gateway validates every `subject` with these; the domain components use the
//! same code to read a birth date or sex from a code (pre-filled ages, the mother of a newborn).
//! No dependencies, so it builds for the host and for `wasm32-wasip2` alike.

use std::fmt;

pub mod notice;
pub mod region;
pub use notice::{NoticeError, NoticeNumber};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    FiscalCodeLength,
    /// 1-based position of the first character that cannot stand where it is.
    FiscalCodeCharacter(usize),
    FiscalCodeCheck,
    VatNumberShape,
    VatNumberCheck,
}

impl fmt::Display for IdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FiscalCodeLength => f.write_str("a fiscal code has 16 characters"),
            Self::FiscalCodeCharacter(i) => {
                write!(f, "character {i} of the fiscal code is not valid there")
            }
            Self::FiscalCodeCheck => {
                f.write_str("the fiscal code's check character does not match")
            }
            Self::VatNumberShape => f.write_str("a VAT number has 11 digits"),
            Self::VatNumberCheck => f.write_str("the VAT number's check digit does not match"),
        }
    }
}

impl std::error::Error for IdentityError {}

/// What a fiscal code encodes about its holder's birth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birth {
    /// The last two digits of the year: the code does not say the century.
    pub year_of_century: u8,
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
    /// Women's codes add 40 to the day.
    pub female: bool,
}

impl Birth {
    /// The full year: the latest year ending in [`Self::year_of_century`] that is not after
    /// `reference_year` (nobody is born in the future; a code cannot tell a centenarian apart).
    pub fn year(&self, reference_year: i32) -> i32 {
        let century = reference_year - reference_year.rem_euclid(100);
        let year = century + self.year_of_century as i32;
        if year > reference_year {
            year - 100
        } else {
            year
        }
    }
}

/// An Italian fiscal code of a natural person, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FiscalCode(String);

/// Letters that replace digits in an omocodia code: L=0, M=1 ... V=9.
const OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";
/// Positions (0-based) that hold digits, or omocodia letters in their place.
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// Month letters, January to December.
const MONTHS: &[u8; 12] = b"ABCDEHLMPRST";
/// Values of characters in odd positions (1st, 3rd...) for the check character, for 0-9 / A-Z.
const ODD_VALUES: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

impl FiscalCode {
    pub fn parse(raw: &str) -> Result<Self, IdentityError> {
        let code = raw.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        if bytes.len() != 16 {
            return Err(IdentityError::FiscalCodeLength);
        }
        for (i, &b) in bytes.iter().enumerate() {
            let ok = if DIGIT_POSITIONS.contains(&i) {
                b.is_ascii_digit() || OMOCODIA.contains(&b)
            } else if i == 8 {
                MONTHS.contains(&b)
            } else {
                b.is_ascii_uppercase()
            };
            if !ok {
                return Err(IdentityError::FiscalCodeCharacter(i + 1));
            }
        }
        let sum: u32 = bytes[..15]
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                let index = if b.is_ascii_digit() {
                    (b - b'0') as usize
                } else {
                    (b - b'A') as usize
                };
                if i % 2 == 0 {
                    ODD_VALUES[index]
                } else {
                    index as u32
                }
            })
            .sum();
        if bytes[15] != b'A' + (sum % 26) as u8 {
            return Err(IdentityError::FiscalCodeCheck);
        }
        Ok(Self(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Birth date parts and sex, as encoded (omocodia letters read back as digits). `None` for
    /// the rare valid code whose date digits are impossible (month letters are checked by
    /// [`Self::parse`], days are not).
    pub fn birth(&self) -> Option<Birth> {
        let b = self.0.as_bytes();
        let digit = |i: usize| -> u8 {
            match OMOCODIA.iter().position(|&l| l == b[i]) {
                Some(d) => d as u8,
                None => b[i] - b'0',
            }
        };
        let month = MONTHS.iter().position(|&m| m == b[8])? as u8 + 1;
        let raw_day = digit(9) * 10 + digit(10);
        let (day, female) = if raw_day > 40 {
            (raw_day - 40, true)
        } else {
            (raw_day, false)
        };
        if !(1..=31).contains(&day) {
            return None;
        }
        Some(Birth {
            year_of_century: digit(6) * 10 + digit(7),
            month,
            day,
            female,
        })
    }
}

impl fmt::Display for FiscalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An Italian VAT number (partita IVA): 11 digits, the last a Luhn-style check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VatNumber(String);

impl VatNumber {
    pub fn parse(raw: &str) -> Result<Self, IdentityError> {
        let digits = raw.trim();
        if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdentityError::VatNumberShape);
        }
        let sum: u32 = digits
            .bytes()
            .take(10)
            .enumerate()
            .map(|(i, b)| {
                let d = (b - b'0') as u32;
                if i % 2 == 1 {
                    if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
                } else {
                    d
                }
            })
            .sum();
        if (10 - sum % 10) % 10 != (digits.as_bytes()[10] - b'0') as u32 {
            return Err(IdentityError::VatNumberCheck);
        }
        Ok(Self(digits.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VatNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_codes() {
        let table: &[(&str, Result<&str, IdentityError>)] = &[
            ("RSSMRA85T10A562S", Ok("RSSMRA85T10A562S")),
            ("rssmra85t10a562s", Ok("RSSMRA85T10A562S")),
            ("BNCLRA90A41F205I", Ok("BNCLRA90A41F205I")),
            // Omocodia: the last digit 2 replaced by N, with its own check character.
            ("RSSMRA85T10A56NH", Ok("RSSMRA85T10A56NH")),
            ("RSSMRA85T10A562T", Err(IdentityError::FiscalCodeCheck)),
            ("RSSMRA85T10A562", Err(IdentityError::FiscalCodeLength)),
            (
                "RSSMRA85Z10A562S",
                Err(IdentityError::FiscalCodeCharacter(9)),
            ),
            (
                "RSSMR485T10A562S",
                Err(IdentityError::FiscalCodeCharacter(6)),
            ),
            (
                "RSSMRA85T10A5A2S",
                Err(IdentityError::FiscalCodeCharacter(14)),
            ),
        ];
        for (raw, expected) in table {
            let got = FiscalCode::parse(raw);
            assert_eq!(
                got.as_ref().map(|c| c.as_str()),
                expected.as_ref().map(|s| *s),
                "{raw}"
            );
        }
    }

    #[test]
    fn births() {
        let mario = FiscalCode::parse("RSSMRA85T10A562S")
            .unwrap()
            .birth()
            .unwrap();
        assert_eq!(
            mario,
            Birth {
                year_of_century: 85,
                month: 12,
                day: 10,
                female: false
            }
        );
        assert_eq!(mario.year(2026), 1985);
        let laura = FiscalCode::parse("BNCLRA90A41F205I")
            .unwrap()
            .birth()
            .unwrap();
        assert_eq!(
            laura,
            Birth {
                year_of_century: 90,
                month: 1,
                day: 1,
                female: true
            }
        );
        // Omocodia letters in the date read back as digits: 8 → U, 5 → R, 0 → L.
        let omocode = FiscalCode::parse("RSSMRAURT10A562B")
            .unwrap()
            .birth()
            .unwrap();
        assert_eq!(omocode, mario);
        let omocode = FiscalCode::parse("RSSMRA85T1LA562V")
            .unwrap()
            .birth()
            .unwrap();
        assert_eq!(omocode, mario);
        // Centuries: a child born in 2025 and a man born in 1926.
        let child = Birth {
            year_of_century: 25,
            month: 3,
            day: 1,
            female: false,
        };
        assert_eq!(child.year(2026), 2025);
        let old = Birth {
            year_of_century: 27,
            month: 3,
            day: 1,
            female: false,
        };
        assert_eq!(old.year(2026), 1927);
    }

    #[test]
    fn vat_numbers() {
        assert_eq!(
            VatNumber::parse("01114601006").unwrap().as_str(),
            "01114601006"
        );
        assert_eq!(
            VatNumber::parse("12345678903").unwrap().as_str(),
            "12345678903"
        );
        assert_eq!(
            VatNumber::parse("12345678901"),
            Err(IdentityError::VatNumberCheck)
        );
        assert_eq!(
            VatNumber::parse("1234567890"),
            Err(IdentityError::VatNumberShape)
        );
        assert_eq!(
            VatNumber::parse("1234567890a"),
            Err(IdentityError::VatNumberShape)
        );
    }
}
