//! Datagram transport to the kernel, behind a trait so that the protocol logic (dump
//! retries, error mapping) is tested against scripted replies.

use std::io;

use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};

/// Sends and receives whole netlink datagrams.
pub trait Transport {
    /// Sends one datagram to the kernel.
    fn send(&mut self, datagram: &[u8]) -> io::Result<()>;
    /// Receives one datagram (blocking). ENOBUFS means the socket overran.
    fn recv(&mut self) -> io::Result<Vec<u8>>;
    /// Joins a multicast group.
    fn join_group(&mut self, group: u32) -> io::Result<()>;
}

/// A generic netlink socket.
#[derive(Debug)]
pub struct SocketTransport {
    socket: Socket,
}

impl SocketTransport {
    /// Opens, binds and connects a NETLINK_GENERIC socket, with extended acks on.
    pub fn open() -> io::Result<Self> {
        let mut socket = Socket::new(NETLINK_GENERIC)?;
        socket.bind_auto()?;
        socket.connect(&SocketAddr::new(0, 0))?;
        // Older kernels lack extended acks; errors then carry no message.
        if let Err(error) = socket.set_ext_ack(true) {
            tracing::debug!(%error, "netlink extended acks unavailable");
        }
        Ok(SocketTransport { socket })
    }
}

impl Transport for SocketTransport {
    fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        self.socket.send(datagram, 0).map(|_| ())
    }

    fn recv(&mut self) -> io::Result<Vec<u8>> {
        self.socket.recv_from_full().map(|(bytes, _)| bytes)
    }

    fn join_group(&mut self, group: u32) -> io::Result<()> {
        self.socket.add_membership(group)
    }
}
