//! Authenticated frames: `len | seq | payload | tag`.
//!
//! ```text
//! len:     u32, big endian: bytes that follow (seq + payload + tag)
//! seq:     u64, big endian: 0 for the first frame of a direction, then +1
//! payload: len - 40 bytes (a bincode-encoded message)
//! tag:     32 bytes: HMAC-SHA256(direction key, len | seq | payload)
//! ```
//!
//! The length is checked against the limit before the body is read, the tag is
//! verified (in constant time) before the sequence number is looked at, and the
//! payload is handed to bincode only after both passed.

use std::io::{Read, Write};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::keys::KEY_LEN;
use crate::ProtoError;

/// Bytes of the length prefix.
pub const LEN_PREFIX: usize = 4;
/// Bytes of the sequence number.
pub const SEQ_LEN: usize = 8;
/// Bytes of the HMAC-SHA256 tag.
pub const TAG_LEN: usize = 32;
/// Smallest valid `len`: an empty payload.
pub const MIN_BODY: usize = SEQ_LEN + TAG_LEN;

type HmacSha256 = Hmac<Sha256>;

/// Computes the tag of one frame.
fn frame_tag(key: &[u8; KEY_LEN], len: u32, seq: u64, payload: &[u8]) -> [u8; TAG_LEN] {
    let mut mac = new_mac(key);
    mac.update(&len.to_be_bytes());
    mac.update(&seq.to_be_bytes());
    mac.update(payload);
    mac.finalize().into_bytes().into()
}

/// An HMAC-SHA256 instance; HMAC accepts keys of every length, so this cannot fail.
pub(crate) fn new_mac(key: &[u8]) -> HmacSha256 {
    match <HmacSha256 as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC hashes over-long keys and pads short ones: no length is invalid.
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

/// Builds the complete wire bytes of one frame.
pub fn seal_frame(key: &[u8; KEY_LEN], seq: u64, payload: &[u8]) -> Result<Vec<u8>, ProtoError> {
    let body_len = MIN_BODY as u64 + payload.len() as u64;
    let len = u32::try_from(body_len).map_err(|_| ProtoError::FrameTooLarge {
        announced: body_len,
        limit: u64::from(u32::MAX),
    })?;
    let mut out = Vec::with_capacity(LEN_PREFIX + body_len as usize);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&frame_tag(key, len, seq, payload));
    Ok(out)
}

/// Checks a length prefix against the limit, before any of the body is read.
pub fn check_len(len: u32, max_frame: u32) -> Result<(), ProtoError> {
    if len > max_frame {
        return Err(ProtoError::FrameTooLarge {
            announced: u64::from(len),
            limit: u64::from(max_frame),
        });
    }
    if (len as usize) < MIN_BODY {
        return Err(ProtoError::FrameTooShort(u64::from(len)));
    }
    Ok(())
}

/// Verifies a frame body (everything after the length prefix) and returns its payload.
///
/// The tag is checked first; only an authentic frame has its sequence number compared.
pub fn open_body<'a>(
    key: &[u8; KEY_LEN],
    expected_seq: u64,
    len: u32,
    body: &'a [u8],
) -> Result<&'a [u8], ProtoError> {
    if body.len() != len as usize || body.len() < MIN_BODY {
        return Err(ProtoError::FrameTooShort(body.len() as u64));
    }
    let (seq_bytes, rest) = body.split_at(SEQ_LEN);
    let (payload, tag) = rest.split_at(rest.len() - TAG_LEN);
    let mut seq_array = [0u8; SEQ_LEN];
    seq_array.copy_from_slice(seq_bytes);
    let seq = u64::from_be_bytes(seq_array);
    let mut mac = new_mac(key);
    mac.update(&len.to_be_bytes());
    mac.update(&seq_array);
    mac.update(payload);
    mac.verify_slice(tag).map_err(|_| ProtoError::BadMac)?;
    if seq != expected_seq {
        return Err(ProtoError::BadSequence {
            got: seq,
            expected: expected_seq,
        });
    }
    Ok(payload)
}

/// Decodes one complete frame from a byte slice (prefix included): the pure
/// function behind [`FrameReader`], used by the fuzz-style and golden tests.
/// Returns the payload and the number of bytes consumed.
pub fn open_frame<'a>(
    key: &[u8; KEY_LEN],
    expected_seq: u64,
    max_frame: u32,
    bytes: &'a [u8],
) -> Result<(&'a [u8], usize), ProtoError> {
    let prefix: [u8; LEN_PREFIX] = bytes
        .get(..LEN_PREFIX)
        .and_then(|p| p.try_into().ok())
        .ok_or(ProtoError::FrameTooShort(bytes.len() as u64))?;
    let len = u32::from_be_bytes(prefix);
    check_len(len, max_frame)?;
    let end = LEN_PREFIX + len as usize;
    let body = bytes
        .get(LEN_PREFIX..end)
        .ok_or(ProtoError::FrameTooShort(bytes.len() as u64))?;
    Ok((open_body(key, expected_seq, len, body)?, end))
}

/// The sending half of an authenticated session.
#[derive(Debug)]
pub struct FrameWriter<W> {
    inner: W,
    key: [u8; KEY_LEN],
    next_seq: u64,
}

impl<W: Write> FrameWriter<W> {
    /// A writer whose first frame carries sequence number `first_seq`.
    pub fn new(inner: W, key: [u8; KEY_LEN], first_seq: u64) -> Self {
        FrameWriter {
            inner,
            key,
            next_seq: first_seq,
        }
    }

    /// Sends one payload as an authenticated frame.
    pub fn send_bytes(&mut self, payload: &[u8]) -> Result<(), ProtoError> {
        let frame = seal_frame(&self.key, self.next_seq, payload)?;
        self.inner.write_all(&frame)?;
        self.inner.flush()?;
        self.next_seq = self.next_seq.wrapping_add(1);
        Ok(())
    }

    /// Encodes a message with bincode and sends it.
    pub fn send<T: serde::Serialize>(&mut self, message: &T) -> Result<(), ProtoError> {
        let payload = bincode::serde::encode_to_vec(message, crate::bincode_config())?;
        self.send_bytes(&payload)
    }

    /// The sequence number the next frame will carry.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }
}

/// The receiving half of an authenticated session.
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    key: [u8; KEY_LEN],
    expected_seq: u64,
    max_frame: u32,
    body: Vec<u8>,
}

impl<R: Read> FrameReader<R> {
    /// A reader expecting sequence number `first_seq` first and frames of at most
    /// `max_frame` bytes after the prefix.
    pub fn new(inner: R, key: [u8; KEY_LEN], first_seq: u64, max_frame: u32) -> Self {
        FrameReader {
            inner,
            key,
            expected_seq: first_seq,
            max_frame,
            body: Vec::new(),
        }
    }

    /// Receives one authenticated payload. Any error leaves the stream unusable.
    pub fn recv_bytes(&mut self) -> Result<&[u8], ProtoError> {
        let mut prefix = [0u8; LEN_PREFIX];
        self.inner.read_exact(&mut prefix)?;
        let len = u32::from_be_bytes(prefix);
        check_len(len, self.max_frame)?;
        self.body.clear();
        self.body.resize(len as usize, 0);
        self.inner.read_exact(&mut self.body)?;
        let payload = open_body(&self.key, self.expected_seq, len, &self.body)?;
        self.expected_seq = self.expected_seq.wrapping_add(1);
        Ok(payload)
    }

    /// Receives one authenticated payload and decodes it with bincode.
    pub fn recv<T: serde::de::DeserializeOwned>(&mut self) -> Result<T, ProtoError> {
        let payload = self.recv_bytes()?;
        let (message, used) =
            bincode::serde::decode_from_slice::<T, _>(payload, crate::bincode_config())?;
        if used != payload.len() {
            return Err(ProtoError::Decode(
                bincode::error::DecodeError::OtherString(format!(
                    "{} trailing bytes after the message",
                    payload.len() - used
                )),
            ));
        }
        Ok(message)
    }

    /// The underlying stream.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}
