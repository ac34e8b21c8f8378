//! The migration channel: a one-shot, mutually authenticated TCP stream that
//! carries `xl migrate`'s stream to `xl migrate-receive`.
//!
//! - The RMN draws a random 256-bit ticket per migration and sends it, over the
//!   authenticated agent sessions, to the destination (`ExpectMigration`) and to
//!   the source (`Execute`).
//! - The destination [`MigrationReceiver`] listens only while at least one
//!   ticket is armed, accepts only clients that complete the handshake as
//!   `migration-<id>` with that ticket as key, consumes the ticket on success,
//!   and feeds the stream to `xl migrate-receive`.
//! - The source runs `xl migrate -s "reunion migrate-transport" <domid> <host>`;
//!   xl execs our fixed transport command through its shell, and the transport
//!   ([`run_transport`]) reads the address, id and ticket from the environment
//!   the agent gave xl, connects, and relays stdin/stdout.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use reunion_model::{ActionId, DomainUuid};
use reunion_proto::message::{migration_identity, STREAM_CHUNK};
use reunion_proto::{KeyStore, ProtoError, Psk, Session, SessionOptions, StreamMessage};
use tracing::{info, warn};

use crate::xl::transport_env;
use crate::AgentError;

/// Relays `input` into the session and the session into `output` until both
/// directions ended.
///
/// Every chunk is flushed to `output` as it arrives: xl's migration protocol is
/// a conversation, and its messages end without a newline (the receiver's
/// `"domain received, ready to unpause"` is followed by a wait for the sender's
/// go-ahead). Left in a buffer such as the line-buffered `std::io::stdout()` of
/// `reunion migrate-transport`, such a message never reached `xl migrate`, and
/// both ends waited for each other with the guest suspended.
pub fn relay<I, O>(session: Session, mut input: I, output: O) -> Result<(), AgentError>
where
    I: Read,
    O: Write + Send + 'static,
{
    let Session {
        mut reader,
        mut writer,
        ..
    } = session;
    let downstream = thread::spawn(move || -> Result<(), AgentError> {
        let mut output = output;
        let result = forward_to_output(&mut reader, &mut output);
        if result.is_err() {
            // Fail the other direction too: a relay that silently went one-way
            // leaves xl waiting for an answer that cannot come.
            let _ = reader.get_ref().shutdown(std::net::Shutdown::Both);
        }
        result
    });
    let mut buf = vec![0u8; STREAM_CHUNK];
    let upstream = loop {
        match input.read(&mut buf) {
            Ok(0) => break writer.send(&StreamMessage::End).map_err(AgentError::from),
            Ok(n) => {
                if let Err(e) = writer.send(&StreamMessage::Data(buf[..n].to_vec())) {
                    break Err(e.into());
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => break Err(e.into()),
        }
    };
    let downstream = downstream
        .join()
        .unwrap_or_else(|_| Err(AgentError::Refused("relay thread panicked".into())));
    upstream.and(downstream)
}

/// Writes the session's data to `output`, flushing every chunk, until `End`.
fn forward_to_output<O: Write>(
    reader: &mut reunion_proto::FrameReader<std::net::TcpStream>,
    output: &mut O,
) -> Result<(), AgentError> {
    loop {
        match reader.recv::<StreamMessage>()? {
            StreamMessage::Data(bytes) => {
                output.write_all(&bytes)?;
                output.flush()?;
            }
            StreamMessage::End => {
                output.flush()?;
                return Ok(());
            }
        }
    }
}

/// Source side: the body of `reunion migrate-transport <host> ...`.
///
/// `host` is the first argument xl passes (the destination it was given); it
/// must equal the host the agent validated, which the agent put in the
/// environment along with the address, id and ticket.
pub fn run_transport(host: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<(), AgentError> {
    let need = |name: &str| {
        env(name).ok_or_else(|| {
            AgentError::Refused(format!(
                "{name} is not set: migrate-transport is started by `xl migrate` under `reunion agent`, not by hand"
            ))
        })
    };
    let expected_host = need(transport_env::HOST)?;
    if host != expected_host {
        return Err(AgentError::Refused(format!(
            "xl asked for host {host:?} but the agent validated {expected_host:?}"
        )));
    }
    let address = need(transport_env::ADDRESS)?;
    let id: u64 = need(transport_env::ID)?
        .parse()
        .map_err(|_| AgentError::Refused(format!("{} is not a number", transport_env::ID)))?;
    let ticket = Psk::from_hex(&need(transport_env::TICKET)?)?;
    // No idle timeout on this side: the destination says nothing while the
    // memory streams to it (minutes under TCG), and a 120 s read timeout ended
    // the session→stdout direction mid-migration, so the receiver's "ready"
    // was never read and both xl processes waited for each other. The agent
    // bounds the whole `xl migrate`, transport included (its process group is
    // killed on timeout).
    let options = SessionOptions {
        idle_timeout: None,
        ..SessionOptions::default()
    };
    // The destination arms its channel when the RMN tells it, which may be a
    // moment after the source got its command: retry connecting briefly.
    let deadline = Instant::now() + Duration::from_secs(20);
    let session = loop {
        match reunion_proto::connect(
            address.as_str(),
            host,
            &migration_identity(ActionId(id)),
            &ticket,
            &options,
        ) {
            Ok(session) => break session,
            // Not listening yet, or not armed yet: worth another try. A failed
            // MAC or a version mismatch is not.
            Err(e @ (ProtoError::Io(_) | ProtoError::Rejected(_))) if Instant::now() < deadline => {
                tracing::debug!("migration channel not ready yet: {e}");
                thread::sleep(Duration::from_millis(250));
            }
            Err(e) => return Err(e.into()),
        }
    };
    // Nor a write timeout: a destination busy restoring may not drain the
    // stream for a while; the agent's migration timeout bounds it.
    session.writer.get_ref().set_write_timeout(None)?;
    relay(session, std::io::stdin(), std::io::stdout())
}

/// How long the destination waits for the next bytes of a migration stream.
const RECEIVER_IDLE_TIMEOUT: Duration = Duration::from_secs(600);

#[derive(Debug)]
struct Armed {
    ticket: Psk,
    uuid: DomainUuid,
    expires: Instant,
}

#[derive(Debug, Default)]
struct ReceiverState {
    armed: BTreeMap<String, Armed>,
    listening: Option<SocketAddr>,
    receiving: usize,
}

/// Looks tickets up without consuming them: only a completed handshake does.
struct TicketStore(Arc<Mutex<ReceiverState>>);

fn lock(state: &Mutex<ReceiverState>) -> MutexGuard<'_, ReceiverState> {
    // The state stays consistent across a panic (plain inserts/removes), so a
    // poisoned lock is still usable.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl KeyStore for TicketStore {
    fn key_for(&self, identity: &str) -> Option<Psk> {
        let state = lock(&self.0);
        state
            .armed
            .get(identity)
            .filter(|a| a.expires > Instant::now())
            .map(|a| a.ticket.clone())
    }
}

/// Destination side: arms one-shot channels and runs `xl migrate-receive`.
#[derive(Debug, Clone)]
pub struct MigrationReceiver {
    state: Arc<Mutex<ReceiverState>>,
    listen: SocketAddr,
    receive_argv: Vec<String>,
}

impl MigrationReceiver {
    /// A receiver that will listen on `listen` while armed and run `receive_argv`.
    pub fn new(listen: SocketAddr, receive_argv: Vec<String>) -> Self {
        MigrationReceiver {
            state: Arc::default(),
            listen,
            receive_argv,
        }
    }

    /// The address the channel listens on while armed (the configured one, or
    /// the port the system chose for port 0).
    pub fn listening_on(&self) -> Option<SocketAddr> {
        lock(&self.state).listening
    }

    /// Whether a migration is armed or being received.
    pub fn busy(&self) -> bool {
        let state = lock(&self.state);
        !state.armed.is_empty() || state.receiving > 0
    }

    /// Expects one incoming migration; opens the listener if it is closed.
    pub fn arm(
        &self,
        id: ActionId,
        uuid: DomainUuid,
        ticket: [u8; 32],
        timeout: Duration,
    ) -> Result<(), AgentError> {
        let mut state = lock(&self.state);
        state.armed.insert(
            migration_identity(id),
            Armed {
                ticket: Psk::from_bytes(ticket),
                uuid,
                expires: Instant::now() + timeout,
            },
        );
        if state.listening.is_some() {
            return Ok(());
        }
        let listener = match TcpListener::bind(self.listen) {
            Ok(l) => l,
            Err(e) => {
                state.armed.remove(&migration_identity(id));
                return Err(AgentError::Refused(format!(
                    "cannot listen for the migration on {}: {e}",
                    self.listen
                )));
            }
        };
        listener.set_nonblocking(true)?;
        state.listening = Some(listener.local_addr()?);
        drop(state);
        let receiver = self.clone();
        thread::Builder::new()
            .name("migration-listener".into())
            .spawn(move || receiver.listen_while_armed(listener))?;
        Ok(())
    }

    fn listen_while_armed(&self, listener: TcpListener) {
        info!(address = %self.listen, "migration channel open");
        loop {
            {
                let mut state = lock(&self.state);
                let now = Instant::now();
                state.armed.retain(|id, armed| {
                    let keep = armed.expires > now;
                    if !keep {
                        warn!(%id, uuid = %armed.uuid, "expected migration never came; ticket expired");
                    }
                    keep
                });
                if state.armed.is_empty() {
                    state.listening = None;
                    info!(address = %self.listen, "migration channel closed");
                    return;
                }
            }
            match listener.accept() {
                Ok((stream, peer)) => {
                    let receiver = self.clone();
                    let spawned = thread::Builder::new()
                        .name("migration-receive".into())
                        .spawn(move || receiver.serve(stream, peer));
                    if let Err(e) = spawned {
                        warn!("cannot start a migration receiver thread: {e}");
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    thread::sleep(Duration::from_millis(100));
                }
                Err(e) => {
                    warn!("migration listener accept failed: {e}");
                    thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    fn serve(&self, stream: std::net::TcpStream, peer: SocketAddr) {
        if let Err(e) = stream.set_nonblocking(false) {
            warn!(%peer, "migration connection: {e}");
            return;
        }
        // The source streams without pause until the domain is suspended, then
        // waits for the receiver's "ready", which may take minutes under TCG.
        let options = SessionOptions {
            idle_timeout: Some(RECEIVER_IDLE_TIMEOUT),
            ..SessionOptions::default()
        };
        let session =
            match reunion_proto::accept(stream, &TicketStore(self.state.clone()), &options) {
                Ok(session) => session,
                Err(e) => {
                    warn!(%peer, "migration connection refused: {e}");
                    return;
                }
            };
        // One-shot: the first authenticated client consumes the ticket.
        let armed = {
            let mut state = lock(&self.state);
            let armed = state.armed.remove(&session.peer_identity);
            if armed.is_some() {
                state.receiving += 1;
            }
            armed
        };
        let Some(armed) = armed else {
            warn!(%peer, identity = %session.peer_identity, "ticket already used; connection closed");
            session.shutdown();
            return;
        };
        info!(%peer, uuid = %armed.uuid, "receiving migration");
        match self.receive(session) {
            Ok(()) => info!(uuid = %armed.uuid, "migration received"),
            Err(e) => warn!(uuid = %armed.uuid, "migration receive failed: {e}"),
        }
        let mut state = lock(&self.state);
        state.receiving = state.receiving.saturating_sub(1);
    }

    fn receive(&self, session: Session) -> Result<(), AgentError> {
        let Some((program, args)) = self.receive_argv.split_first() else {
            return Err(AgentError::Refused("empty migrate-receive command".into()));
        };
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| AgentError::Command {
                command: self.receive_argv.join(" "),
                reason: format!("cannot start: {e}"),
            })?;
        let (Some(stdin), Some(stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(AgentError::Refused("child pipes missing".into()));
        };
        let stderr_thread = thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let relayed = relay(session, stdout, stdin);
        let status = child.wait()?;
        let stderr = stderr_thread.join().unwrap_or_default();
        if !status.success() {
            return Err(AgentError::Command {
                command: self.receive_argv.join(" "),
                reason: format!("{status}; stderr: {}", stderr.trim()),
            });
        }
        relayed
    }
}
