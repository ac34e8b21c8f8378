//! The network side: accept agents, authenticate them, and turn their sessions
//! into events for the daemon's single decision thread.

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, Sender};
use reunion_proto::{AgentMessage, ProtoError, Psk, RmnMessage, SessionOptions};
use tracing::{debug, info, warn};

use crate::metrics::Metrics;

/// What the network side tells the daemon.
#[derive(Debug)]
pub enum Inbound {
    /// An agent authenticated; send to it through `outbox`.
    Connected {
        /// Host name (the authenticated identity).
        host: String,
        /// Connection number (a reconnection gets a new one).
        conn: u64,
        /// Messages to the agent.
        outbox: Sender<RmnMessage>,
    },
    /// A message from an agent.
    Message {
        /// Host.
        host: String,
        /// Connection.
        conn: u64,
        /// The message.
        message: AgentMessage,
    },
    /// A session ended.
    Disconnected {
        /// Host.
        host: String,
        /// Connection.
        conn: u64,
        /// Why.
        reason: String,
    },
}

/// Short label of a rejection, for the metric.
fn reason_label(error: &ProtoError) -> &'static str {
    match error {
        ProtoError::FrameTooLarge { .. } => "oversized",
        ProtoError::FrameTooShort(_) => "short",
        ProtoError::BadMagic | ProtoError::MalformedHandshake(_) => "garbage",
        ProtoError::BadMac => "bad_mac",
        ProtoError::BadSequence { .. } => "replay",
        ProtoError::UnknownIdentity(_) | ProtoError::InvalidIdentity(_) => "unknown_identity",
        ProtoError::VersionMismatch { .. } => "version",
        ProtoError::Decode(_) => "undecodable",
        ProtoError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => "aborted",
        ProtoError::Io(_) => "io",
        _ => "other",
    }
}

/// Accepts agents on `listener` until `stop` is set; every event goes to `events`.
pub fn serve(
    listener: TcpListener,
    keys: Arc<BTreeMap<String, Psk>>,
    options: SessionOptions,
    events: Sender<Inbound>,
    metrics: Arc<Metrics>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let next_conn = Arc::new(AtomicU64::new(1));
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, peer)) => {
                let (keys, events, metrics, next_conn) = (
                    keys.clone(),
                    events.clone(),
                    metrics.clone(),
                    next_conn.clone(),
                );
                let spawned = thread::Builder::new()
                    .name("agent-session".into())
                    .stack_size(256 * 1024)
                    .spawn(move || {
                        if let Err(e) = stream.set_nonblocking(false) {
                            warn!(%peer, "{e}");
                            return;
                        }
                        session(stream, &keys, options, events, &metrics, &next_conn);
                    });
                if let Err(e) = spawned {
                    warn!(%peer, "cannot start a session thread: {e}");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => {
                warn!("accept failed: {e}");
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
    Ok(())
}

fn session(
    stream: TcpStream,
    keys: &BTreeMap<String, Psk>,
    options: SessionOptions,
    events: Sender<Inbound>,
    metrics: &Metrics,
    next_conn: &AtomicU64,
) {
    let peer = stream
        .peer_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| "?".into());
    let session = match reunion_proto::accept(stream, keys, &options) {
        Ok(session) => session,
        Err(e) => {
            warn!(%peer, "handshake rejected: {e}");
            metrics.rejected(reason_label(&e));
            return;
        }
    };
    let host = session.peer_identity.clone();
    let conn = next_conn.fetch_add(1, Ordering::Relaxed);
    info!(%host, %peer, conn, "agent connected");
    let reunion_proto::Session {
        mut reader,
        mut writer,
        ..
    } = session;
    let (outbox, outbox_rx): (Sender<RmnMessage>, Receiver<RmnMessage>) = unbounded();
    let Ok(socket) = writer.get_ref().try_clone() else {
        return;
    };
    let writer_host = host.clone();
    let spawned = thread::Builder::new()
        .name("agent-writer".into())
        .stack_size(256 * 1024)
        .spawn(move || {
            // Ends when the daemon drops the outbox (replaced or forgotten
            // connection) or the socket fails; either way the socket closes.
            for message in outbox_rx {
                if let Err(e) = writer.send(&message) {
                    debug!(host = %writer_host, "send failed: {e}");
                    break;
                }
            }
            let _ = writer.get_ref().shutdown(std::net::Shutdown::Both);
        });
    if spawned.is_err() {
        return;
    }
    if events
        .send(Inbound::Connected {
            host: host.clone(),
            conn,
            outbox,
        })
        .is_err()
    {
        return;
    }
    let reason = loop {
        match reader.recv::<AgentMessage>() {
            Ok(message) => {
                let event = Inbound::Message {
                    host: host.clone(),
                    conn,
                    message,
                };
                if events.send(event).is_err() {
                    break "daemon stopped".to_string();
                }
            }
            Err(e) if e.is_closed() => break "connection closed by the agent".to_string(),
            Err(e) => {
                warn!(%host, conn, "closing session: {e}");
                metrics.rejected(reason_label(&e));
                break e.to_string();
            }
        }
    };
    let _ = socket.shutdown(std::net::Shutdown::Both);
    let _ = events.send(Inbound::Disconnected { host, conn, reason });
}
