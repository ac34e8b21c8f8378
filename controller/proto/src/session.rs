//! Authenticated sessions over TCP: connect, accept, split into halves.

use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::frame::{FrameReader, FrameWriter};
use crate::handshake::{client_handshake, server_handshake};
use crate::keys::{KeyStore, Psk};
use crate::ProtoError;

/// Limits of a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionOptions {
    /// Largest frame body accepted (bytes after the length prefix).
    pub max_frame: u32,
    /// Time allowed for connecting and for the whole handshake.
    pub handshake_timeout: Duration,
    /// Read timeout once established: a peer silent for this long (no message,
    /// no heartbeat) is dead. `None` waits forever.
    pub idle_timeout: Option<Duration>,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            max_frame: crate::DEFAULT_MAX_FRAME,
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Some(Duration::from_secs(35)),
        }
    }
}

/// An established, mutually authenticated session.
#[derive(Debug)]
pub struct Session {
    /// The receiving half.
    pub reader: FrameReader<TcpStream>,
    /// The sending half.
    pub writer: FrameWriter<TcpStream>,
    /// The authenticated identity of the peer (the server's own name on the
    /// client side, as given to [`connect`]).
    pub peer_identity: String,
}

impl Session {
    /// Closes both directions; a thread blocked reading the other half wakes up.
    pub fn shutdown(&self) {
        // An already closed socket is what we want anyway.
        let _ = self.writer.get_ref().shutdown(Shutdown::Both);
    }
}

fn establish(
    stream: TcpStream,
    keys: crate::handshake::SessionKeys,
    peer_identity: String,
    options: &SessionOptions,
) -> Result<Session, ProtoError> {
    stream.set_read_timeout(options.idle_timeout)?;
    stream.set_write_timeout(Some(options.handshake_timeout.max(Duration::from_secs(10))))?;
    let read_half = stream.try_clone()?;
    Ok(Session {
        reader: FrameReader::new(read_half, keys.recv, 0, options.max_frame),
        writer: FrameWriter::new(stream, keys.send, 0),
        peer_identity,
    })
}

/// Connects to `address` and authenticates as `identity` with `psk`.
pub fn connect(
    address: impl ToSocketAddrs,
    server_name: &str,
    identity: &str,
    psk: &Psk,
    options: &SessionOptions,
) -> Result<Session, ProtoError> {
    let mut last_error = None;
    let mut stream = None;
    for addr in address.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, options.handshake_timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = Some(e),
        }
    }
    let mut stream = match (stream, last_error) {
        (Some(s), _) => s,
        (None, Some(e)) => return Err(e.into()),
        (None, None) => {
            return Err(ProtoError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "address resolved to nothing",
            )))
        }
    };
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(options.handshake_timeout))?;
    stream.set_write_timeout(Some(options.handshake_timeout))?;
    let keys = client_handshake(&mut stream, identity, psk)?;
    establish(stream, keys, server_name.to_string(), options)
}

/// Authenticates an accepted connection against `keys`.
pub fn accept(
    mut stream: TcpStream,
    keys: &dyn KeyStore,
    options: &SessionOptions,
) -> Result<Session, ProtoError> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(options.handshake_timeout))?;
    stream.set_write_timeout(Some(options.handshake_timeout))?;
    let (identity, session_keys) = server_handshake(&mut stream, keys)?;
    establish(stream, session_keys, identity, options)
}
