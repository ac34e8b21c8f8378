//! Encoding helpers for attribute payloads: YNL `uint`, nests, fixed-size binaries.

use netlink_packet_core::{DecodeError, Emitable, Nla, NlaBuffer, NlasIterator, Parseable};

/// Parses a YNL `uint`: 4 or 8 bytes in host byte order (the kernel's `nla_put_uint`
/// uses 4 bytes when the value fits).
pub fn parse_uint(payload: &[u8]) -> Result<u64, DecodeError> {
    match payload.len() {
        4 => Ok(u64::from(u32::from_ne_bytes([
            payload[0], payload[1], payload[2], payload[3],
        ]))),
        8 => {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(payload);
            Ok(u64::from_ne_bytes(bytes))
        }
        other => Err(DecodeError::from(format!(
            "uint attribute of {other} bytes (want 4 or 8)"
        ))),
    }
}

/// Bytes `emit_uint` writes for `value`: 4 when it fits, else 8 (like `nla_put_uint`).
pub fn uint_len(value: u64) -> usize {
    if u32::try_from(value).is_ok() {
        4
    } else {
        8
    }
}

/// Writes a YNL `uint` into a buffer of `uint_len(value)` bytes.
pub fn emit_uint(buffer: &mut [u8], value: u64) {
    match u32::try_from(value) {
        Ok(small) => buffer[..4].copy_from_slice(&small.to_ne_bytes()),
        Err(_) => buffer[..8].copy_from_slice(&value.to_ne_bytes()),
    }
}

/// Parses a host-order `u32`.
pub fn parse_u32(payload: &[u8]) -> Result<u32, DecodeError> {
    fixed::<4>(payload).map(u32::from_ne_bytes)
}

/// Parses a fixed-size binary.
pub fn fixed<const N: usize>(payload: &[u8]) -> Result<[u8; N], DecodeError> {
    <[u8; N]>::try_from(payload)
        .map_err(|_| DecodeError::from(format!("attribute of {} bytes (want {N})", payload.len())))
}

/// Parses every attribute of a nest (or of a message body).
pub fn parse_nlas<A>(payload: &[u8]) -> Result<Vec<A>, DecodeError>
where
    A: for<'a> Parseable<NlaBuffer<&'a [u8]>>,
{
    NlasIterator::new(payload)
        .map(|nla| A::parse(&nla?))
        .collect()
}

/// Length of a list of attributes once emitted.
pub fn nlas_len<A: Nla>(nlas: &[A]) -> usize {
    nlas.buffer_len()
}

/// Emits a list of attributes.
pub fn emit_nlas<A: Nla>(nlas: &[A], buffer: &mut [u8]) {
    nlas.emit(buffer)
}
