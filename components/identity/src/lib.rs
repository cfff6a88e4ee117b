//! Identifiers of people and companies, as newtypes that cannot hold an invalid value: a
//! [`FiscalCode`] (codice fiscale, with its check character and omocodia letters) and a
//! [`VatNumber`] (partita IVA, with its check digit). Everything the gateway puts in a request's
//! `subject` went through one of these.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("a fiscal code has 16 characters")]
    FiscalCodeLength,
    #[error("character {0} of the fiscal code is not valid there")]
    FiscalCodeCharacter(usize),
    #[error("the fiscal code's check character does not match")]
    FiscalCodeCheck,
    #[error("a VAT number has 11 digits")]
    VatNumberShape,
    #[error("the VAT number's check digit does not match")]
    VatNumberCheck,
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
