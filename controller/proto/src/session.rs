//! Authenticated sessions over TCP: connect, accept, split into halves.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use crate::frame::{FrameReader, FrameWriter};
use crate::handshake::{client_handshake, server_handshake};
use crate::keys::{KeyStore, Psk};
use crate::ProtoError;

/// Limits of a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionOptions {
    /// Largest frame body accepted (bytes after the length prefix).
    pub max_frame: u32,
    /// Time allowed for connecting, and for the whole handshake however the
    /// peer paces its bytes.
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

/// A stream whose reads fail once a deadline for the whole exchange passed,
/// however slowly the peer trickles bytes (a per-read timeout alone lets a
/// client hold a handshake open by sending one byte at a time).
struct Deadline<'a> {
    stream: &'a TcpStream,
    until: Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "handshake took too long",
            ));
        }
        self.stream.set_read_timeout(Some(left))?;
        let mut stream = self.stream;
        // A socket read timeout shows as WouldBlock on Unix: name it.
        stream.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock => {
                io::Error::new(io::ErrorKind::TimedOut, "handshake took too long")
            }
            _ => e,
        })
    }
}

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut stream = self.stream;
        stream.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        let mut stream = self.stream;
        stream.flush()
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
    let stream = match (stream, last_error) {
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
    stream.set_write_timeout(Some(options.handshake_timeout))?;
    let keys = client_handshake(
        &mut Deadline {
            stream: &stream,
            until: Instant::now() + options.handshake_timeout,
        },
        identity,
        psk,
    )?;
    establish(stream, keys, server_name.to_string(), options)
}

/// Authenticates an accepted connection against `keys`.
pub fn accept(
    stream: TcpStream,
    keys: &dyn KeyStore,
    options: &SessionOptions,
) -> Result<Session, ProtoError> {
    stream.set_nodelay(true)?;
    stream.set_write_timeout(Some(options.handshake_timeout))?;
    let (identity, session_keys) = server_handshake(
        &mut Deadline {
            stream: &stream,
            until: Instant::now() + options.handshake_timeout,
        },
        keys,
    )?;
    establish(stream, session_keys, identity, options)
}
