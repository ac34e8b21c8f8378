//! The authenticated agent/RMN wire protocol.
//!
//! TCP carries length-prefixed frames. A handshake ([`handshake`]) proves to
//! both sides that the other holds the pre-shared key of the identity the client
//! claims, and derives per-session, per-direction keys from both sides' nonces.
//! Every later frame ([`frame`]) carries a sequence number and an HMAC-SHA256
//! tag; the length is checked before the body is read, and the payload reaches
//! bincode only after its tag and sequence number were verified. See
//! `docs/protocol.md` for the threat model and key provisioning.

pub mod error;
pub mod frame;
pub mod handshake;
pub mod keys;
pub mod message;
pub mod session;

pub use error::ProtoError;
pub use frame::{FrameReader, FrameWriter};
pub use keys::{KeyStore, Psk};
pub use message::{AgentMessage, RmnMessage, StreamMessage};
pub use session::{accept, connect, Session, SessionOptions};

/// The protocol version both sides must speak.
pub const PROTOCOL_VERSION: u16 = 1;

/// First bytes of every handshake message.
pub const MAGIC: [u8; 8] = *b"REUNION\0";

/// Default largest frame body: 16 MiB, room for a report of a few hundred
/// domains with a full peer table each.
pub const DEFAULT_MAX_FRAME: u32 = 16 << 20;

/// Longest identity a client may claim.
pub const MAX_IDENTITY_LEN: usize = 64;

/// Upper bound of what bincode may allocate while decoding one message.
const DECODE_LIMIT: usize = 64 << 20;

/// The bincode configuration of every message: standard varint encoding with an
/// allocation limit, so that a length field inside an authenticated payload
/// still cannot make the decoder allocate without bound.
pub fn bincode_config() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<DECODE_LIMIT>,
> {
    bincode::config::standard().with_limit::<DECODE_LIMIT>()
}
