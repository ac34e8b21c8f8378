//! The `events` multicast group: domains appearing and departing.

use std::collections::VecDeque;

use idcstat_uapi::family::cmd;
use netlink_packet_core::ParseableParametrized;
use netlink_packet_generic::GenlMessage;

use crate::client::IdcstatClient;
use crate::error::IdcstatError;
use crate::frames::split;
use crate::message::{IdcstatAttrs, IdcstatMessage};
use crate::model::DomainStats;
use crate::transport::Transport;

const ENOBUFS: i32 = 105;

/// One announcement from the module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A domain appeared.
    DomainAppeared(DomainStats),
    /// A domain departed; these are its final counters.
    DomainDeparted(DomainStats),
    /// The socket overran and events were lost: re-read everything with a dump.
    Overrun,
}

/// A socket subscribed to `events`.
#[derive(Debug)]
pub struct EventStream<T: Transport> {
    transport: T,
    family_id: u16,
    pending: VecDeque<Event>,
}

impl<T: Transport> EventStream<T> {
    /// Subscribes the client's socket to `events`. Use a separate client for requests.
    pub fn subscribe(client: IdcstatClient<T>) -> Result<Self, IdcstatError> {
        let group = client
            .events_group()
            .ok_or_else(|| IdcstatError::Decode("module has no events group".into()))?;
        let family_id = client.family_id();
        let mut transport = client.into_transport();
        transport.join_group(group)?;
        Ok(EventStream {
            transport,
            family_id,
            pending: VecDeque::new(),
        })
    }

    /// The underlying transport (tests feed it notifications).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Blocks until the next event.
    pub fn next_event(&mut self) -> Result<Event, IdcstatError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Ok(event);
            }
            let datagram = match self.transport.recv() {
                Ok(datagram) => datagram,
                Err(error) if error.raw_os_error() == Some(ENOBUFS) => return Ok(Event::Overrun),
                Err(error) => return Err(error.into()),
            };
            for message in split(&datagram)? {
                if message.kind != self.family_id {
                    continue;
                }
                let genl =
                    GenlMessage::<IdcstatMessage>::parse_with_param(message.body, message.kind)?;
                let IdcstatAttrs::Domain(attrs) = genl.payload.attrs else {
                    continue;
                };
                let domain = DomainStats::from_attrs(&attrs);
                match genl.payload.cmd {
                    cmd::DOMAIN_NEW_NTF => self.pending.push_back(Event::DomainAppeared(domain)),
                    cmd::DOMAIN_DEPARTED_NTF => {
                        self.pending.push_back(Event::DomainDeparted(domain))
                    }
                    _ => {}
                }
            }
        }
    }
}
