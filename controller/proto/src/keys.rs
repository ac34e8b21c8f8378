//! Pre-shared keys: parsing, generation, lookup by identity.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crate::ProtoError;

/// Length of every key and nonce in bytes (256 bits).
pub const KEY_LEN: usize = 32;

/// A 256-bit pre-shared key. Its `Debug` never prints the key material.
#[derive(Clone, PartialEq, Eq)]
pub struct Psk([u8; KEY_LEN]);

impl fmt::Debug for Psk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Psk(<redacted>)")
    }
}

impl Psk {
    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Psk(bytes)
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<Self, ProtoError> {
        Ok(Psk(random_bytes()?))
    }

    /// Parses 64 hexadecimal digits; surrounding whitespace is ignored.
    pub fn from_hex(text: &str) -> Result<Self, ProtoError> {
        let text = text.trim();
        if text.len() != 2 * KEY_LEN {
            return Err(ProtoError::BadKey(format!(
                "expected {} hexadecimal digits, found {} characters",
                2 * KEY_LEN,
                text.len()
            )));
        }
        let mut key = [0u8; KEY_LEN];
        for (i, byte) in key.iter_mut().enumerate() {
            let pair = text.get(2 * i..2 * i + 2).ok_or_else(|| {
                ProtoError::BadKey("key contains non-ASCII characters".to_string())
            })?;
            *byte = u8::from_str_radix(pair, 16)
                .map_err(|_| ProtoError::BadKey(format!("{pair:?} is not hexadecimal")))?;
        }
        Ok(Psk(key))
    }

    /// The key as 64 lowercase hexadecimal digits (for writing key files).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a key file holding 64 hexadecimal digits.
    ///
    /// Refuses files readable by group or others: a key that leaked is no key.
    pub fn from_file(path: &Path) -> Result<Self, ProtoError> {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)
            .map_err(|e| ProtoError::BadKey(format!("{}: {e}", path.display())))?;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(ProtoError::BadKey(format!(
                "{}: mode {:o} lets group or others read the key; run `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| ProtoError::BadKey(format!("{}: {e}", path.display())))?;
        Psk::from_hex(&text).map_err(|e| ProtoError::BadKey(format!("{}: {e}", path.display())))
    }
}

/// Fills a fresh array from the operating system's random source.
pub fn random_bytes() -> Result<[u8; KEY_LEN], ProtoError> {
    let mut bytes = [0u8; KEY_LEN];
    getrandom::fill(&mut bytes).map_err(|e| ProtoError::Random(e.to_string()))?;
    Ok(bytes)
}

/// Where a server looks up the key of the identity a client claims.
pub trait KeyStore {
    /// The key of `identity`, if it is allowed to connect.
    fn key_for(&self, identity: &str) -> Option<Psk>;
}

impl KeyStore for BTreeMap<String, Psk> {
    fn key_for(&self, identity: &str) -> Option<Psk> {
        self.get(identity).cloned()
    }
}

/// Checks that an identity is 1-64 characters from `[A-Za-z0-9._:-]`.
pub fn validate_identity(identity: &str) -> Result<(), ProtoError> {
    let valid = !identity.is_empty()
        && identity.len() <= crate::MAX_IDENTITY_LEN
        && identity
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(ProtoError::InvalidIdentity(identity.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        let key = Psk::from_bytes([0xab; KEY_LEN]);
        assert_eq!(Psk::from_hex(&key.to_hex()).ok(), Some(key));
        assert!(Psk::from_hex("abcd").is_err());
        assert!(Psk::from_hex(&"zz".repeat(KEY_LEN)).is_err());
        assert!(Psk::from_hex(&"é".repeat(KEY_LEN)).is_err());
    }

    #[test]
    fn debug_does_not_leak_the_key() {
        let key = Psk::from_bytes([0x42; KEY_LEN]);
        assert!(!format!("{key:?}").contains("42"));
    }

    #[test]
    fn identities_are_restricted() {
        assert!(validate_identity("host-1.example").is_ok());
        assert!(validate_identity("migration:17").is_ok());
        assert!(validate_identity("").is_err());
        assert!(validate_identity("a b").is_err());
        assert!(validate_identity(&"a".repeat(65)).is_err());
    }
}
