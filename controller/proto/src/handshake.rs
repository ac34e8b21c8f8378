//! The mutual-authentication handshake and session key derivation.
//!
//! ```text
//! client -> server  ClientHello  magic[8] version:u16 nonce_c[32] id_len:u8 identity
//! server -> client  ServerHello  magic[8] version:u16 status:u8 nonce_s[32] tag_s[32]
//! client -> server  ClientFinish tag_c[32]
//!
//! tag_s = HMAC(psk, "reunion/1 server" | ClientHello | nonce_s)
//! tag_c = HMAC(psk, "reunion/1 client" | ClientHello | nonce_s)
//! key_c2s = HMAC(psk, "reunion/1 c2s" | nonce_c | nonce_s)
//! key_s2c = HMAC(psk, "reunion/1 s2c" | nonce_c | nonce_s)
//! ```
//!
//! Each message travels in a plain length-prefixed frame of at most
//! [`MAX_HANDSHAKE_FRAME`] bytes with a fixed layout parsed by hand: no general
//! decoder sees unauthenticated bytes. Both nonces enter both session keys, so a
//! frame recorded in one session fails its MAC in every other one.

use std::io::{Read, Write};

use hmac::Mac;

use crate::frame::{new_mac, LEN_PREFIX};
use crate::keys::{random_bytes, validate_identity, KeyStore, Psk, KEY_LEN};
use crate::{ProtoError, MAGIC, PROTOCOL_VERSION};

/// Largest handshake message (ClientHello with a 64-byte identity is 107 bytes).
pub const MAX_HANDSHAKE_FRAME: u32 = 256;

const STATUS_OK: u8 = 0;
const STATUS_BAD_VERSION: u8 = 1;
const STATUS_UNKNOWN_IDENTITY: u8 = 2;

/// The two directional keys of one session.
#[derive(Clone)]
pub struct SessionKeys {
    /// Key of the frames this side sends.
    pub send: [u8; KEY_LEN],
    /// Key of the frames this side receives.
    pub recv: [u8; KEY_LEN],
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(<redacted>)")
    }
}

fn derive(psk: &Psk, label: &[u8], parts: &[&[u8]]) -> [u8; KEY_LEN] {
    let mut mac = new_mac(psk.as_bytes());
    mac.update(label);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn write_plain<W: Write>(stream: &mut W, body: &[u8]) -> Result<(), ProtoError> {
    let len = u32::try_from(body.len()).map_err(|_| ProtoError::FrameTooLarge {
        announced: body.len() as u64,
        limit: u64::from(MAX_HANDSHAKE_FRAME),
    })?;
    let mut out = Vec::with_capacity(LEN_PREFIX + body.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
    stream.write_all(&out)?;
    stream.flush()?;
    Ok(())
}

fn read_plain<R: Read>(stream: &mut R) -> Result<Vec<u8>, ProtoError> {
    let mut prefix = [0u8; LEN_PREFIX];
    stream.read_exact(&mut prefix)?;
    let len = u32::from_be_bytes(prefix);
    if len > MAX_HANDSHAKE_FRAME {
        return Err(ProtoError::FrameTooLarge {
            announced: u64::from(len),
            limit: u64::from(MAX_HANDSHAKE_FRAME),
        });
    }
    let mut body = vec![0u8; len as usize];
    stream.read_exact(&mut body)?;
    Ok(body)
}

/// A byte cursor over a handshake message that never reads past its end.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ProtoError> {
        if self.0.len() < n {
            return Err(ProtoError::MalformedHandshake(what));
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ProtoError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }
    fn finish(&self, what: &'static str) -> Result<(), ProtoError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ProtoError::MalformedHandshake(what))
        }
    }
}

fn check_magic_and_version(cursor: &mut Cursor<'_>) -> Result<u16, ProtoError> {
    if cursor.take(MAGIC.len(), "truncated magic")? != MAGIC {
        return Err(ProtoError::BadMagic);
    }
    Ok(u16::from_be_bytes(cursor.array("truncated version")?))
}

/// Runs the client side: proves knowledge of `psk` for `identity` and checks
/// that the server knows it too.
pub fn client_handshake<S: Read + Write>(
    stream: &mut S,
    identity: &str,
    psk: &Psk,
) -> Result<SessionKeys, ProtoError> {
    validate_identity(identity)?;
    let nonce_c = random_bytes()?;
    let mut hello = Vec::with_capacity(MAGIC.len() + 2 + KEY_LEN + 1 + identity.len());
    hello.extend_from_slice(&MAGIC);
    hello.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
    hello.extend_from_slice(&nonce_c);
    // validate_identity bounds the length to 64.
    hello.push(identity.len() as u8);
    hello.extend_from_slice(identity.as_bytes());
    write_plain(stream, &hello)?;

    let reply = read_plain(stream)?;
    let mut cursor = Cursor(&reply);
    let version = check_magic_and_version(&mut cursor)?;
    let status = cursor.array::<1>("truncated status")?[0];
    match status {
        STATUS_OK => {}
        STATUS_BAD_VERSION => {
            return Err(ProtoError::VersionMismatch {
                peer: version,
                ours: PROTOCOL_VERSION,
            })
        }
        STATUS_UNKNOWN_IDENTITY => return Err(ProtoError::Rejected("unknown identity")),
        _ => return Err(ProtoError::Rejected("unknown reason")),
    }
    if version != PROTOCOL_VERSION {
        return Err(ProtoError::VersionMismatch {
            peer: version,
            ours: PROTOCOL_VERSION,
        });
    }
    let nonce_s: [u8; KEY_LEN] = cursor.array("truncated server nonce")?;
    let tag_s: [u8; KEY_LEN] = cursor.array("truncated server tag")?;
    cursor.finish("trailing bytes in ServerHello")?;
    let mut mac = new_mac(psk.as_bytes());
    mac.update(b"reunion/1 server");
    mac.update(&hello);
    mac.update(&nonce_s);
    mac.verify_slice(&tag_s).map_err(|_| ProtoError::BadMac)?;

    let tag_c = derive(psk, b"reunion/1 client", &[&hello, &nonce_s]);
    write_plain(stream, &tag_c)?;
    Ok(SessionKeys {
        send: derive(psk, b"reunion/1 c2s", &[&nonce_c, &nonce_s]),
        recv: derive(psk, b"reunion/1 s2c", &[&nonce_c, &nonce_s]),
    })
}

/// Runs the server side: looks up the key of the identity the client claims and
/// checks that the client knows it. Returns the authenticated identity.
pub fn server_handshake<S: Read + Write>(
    stream: &mut S,
    keys: &dyn KeyStore,
) -> Result<(String, SessionKeys), ProtoError> {
    let hello = read_plain(stream)?;
    let mut cursor = Cursor(&hello);
    let version = check_magic_and_version(&mut cursor)?;
    let refuse = |stream: &mut S, status: u8| -> Result<(), ProtoError> {
        let mut reply = Vec::with_capacity(MAGIC.len() + 3);
        reply.extend_from_slice(&MAGIC);
        reply.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
        reply.push(status);
        write_plain(stream, &reply)
    };
    if version != PROTOCOL_VERSION {
        refuse(stream, STATUS_BAD_VERSION)?;
        return Err(ProtoError::VersionMismatch {
            peer: version,
            ours: PROTOCOL_VERSION,
        });
    }
    let nonce_c: [u8; KEY_LEN] = cursor.array("truncated client nonce")?;
    let id_len = cursor.array::<1>("truncated identity length")?[0] as usize;
    let identity_bytes = cursor.take(id_len, "truncated identity")?;
    cursor.finish("trailing bytes in ClientHello")?;
    let identity = std::str::from_utf8(identity_bytes)
        .map_err(|_| ProtoError::MalformedHandshake("identity is not UTF-8"))?
        .to_string();
    validate_identity(&identity)?;
    let Some(psk) = keys.key_for(&identity) else {
        refuse(stream, STATUS_UNKNOWN_IDENTITY)?;
        return Err(ProtoError::UnknownIdentity(identity));
    };

    let nonce_s = random_bytes()?;
    let tag_s = derive(&psk, b"reunion/1 server", &[&hello, &nonce_s]);
    let mut reply = Vec::with_capacity(MAGIC.len() + 3 + 2 * KEY_LEN);
    reply.extend_from_slice(&MAGIC);
    reply.extend_from_slice(&PROTOCOL_VERSION.to_be_bytes());
    reply.push(STATUS_OK);
    reply.extend_from_slice(&nonce_s);
    reply.extend_from_slice(&tag_s);
    write_plain(stream, &reply)?;

    let finish = read_plain(stream)?;
    let mut cursor = Cursor(&finish);
    let tag_c: [u8; KEY_LEN] = cursor.array("truncated client tag")?;
    cursor.finish("trailing bytes in ClientFinish")?;
    let mut mac = new_mac(psk.as_bytes());
    mac.update(b"reunion/1 client");
    mac.update(&hello);
    mac.update(&nonce_s);
    mac.verify_slice(&tag_c).map_err(|_| ProtoError::BadMac)?;
    Ok((
        identity,
        SessionKeys {
            send: derive(&psk, b"reunion/1 s2c", &[&nonce_c, &nonce_s]),
            recv: derive(&psk, b"reunion/1 c2s", &[&nonce_c, &nonce_s]),
        },
    ))
}
