//! Errors of the wire protocol.

use std::io;

/// Everything that can go wrong while speaking the protocol.
///
/// Every variant except [`ProtoError::Io`] means the peer (or the network) broke
/// the protocol: the caller must close the connection.
#[derive(Debug, thiserror::Error)]
pub enum ProtoError {
    /// The socket failed, timed out or was closed.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    /// The length prefix announced a frame larger than the configured maximum;
    /// the body was not read.
    #[error("frame of {announced} bytes exceeds the limit of {limit} bytes")]
    FrameTooLarge {
        /// Length announced by the prefix.
        announced: u64,
        /// Configured maximum.
        limit: u64,
    },
    /// The length prefix announced a frame too short to hold its mandatory fields.
    #[error("frame of {0} bytes is shorter than its fixed fields")]
    FrameTooShort(u64),
    /// The handshake message did not start with the protocol's magic bytes.
    #[error("not a reunion peer (bad magic)")]
    BadMagic,
    /// The peer speaks a protocol version we do not.
    #[error("peer speaks protocol version {peer}, we speak {ours}")]
    VersionMismatch {
        /// The peer's version.
        peer: u16,
        /// Our version.
        ours: u16,
    },
    /// The client named an identity the server has no key for.
    #[error("unknown identity {0:?}")]
    UnknownIdentity(String),
    /// An identity that is empty, too long or has characters outside `[A-Za-z0-9._:-]`.
    #[error("invalid identity {0:?}: use 1-64 characters from [A-Za-z0-9._:-]")]
    InvalidIdentity(String),
    /// The server rejected our handshake with the given reason code.
    #[error("server rejected the handshake: {0}")]
    Rejected(&'static str),
    /// A handshake message had the wrong layout.
    #[error("malformed handshake message: {0}")]
    MalformedHandshake(&'static str),
    /// A MAC did not verify: wrong key, tampering, or a replay from another session.
    #[error("authentication failed (MAC mismatch)")]
    BadMac,
    /// The sequence number was not the next expected one: a replayed, dropped or
    /// reordered frame.
    #[error("sequence number {got} received, {expected} expected (replay or reordering)")]
    BadSequence {
        /// The frame's sequence number.
        got: u64,
        /// The expected one.
        expected: u64,
    },
    /// The authenticated payload did not decode as a message.
    #[error("authenticated payload does not decode: {0}")]
    Decode(#[from] bincode::error::DecodeError),
    /// A message could not be encoded.
    #[error("message does not encode: {0}")]
    Encode(#[from] bincode::error::EncodeError),
    /// A key file or key string is malformed.
    #[error("bad key: {0}")]
    BadKey(String),
    /// The operating system's random source failed.
    #[error("random source failed: {0}")]
    Random(String),
}

impl ProtoError {
    /// True when the error is the peer closing the connection cleanly at a frame
    /// boundary, which is not worth a warning.
    pub fn is_closed(&self) -> bool {
        matches!(self, ProtoError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof)
    }
}
