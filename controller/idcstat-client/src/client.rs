//! `IdcstatClient`: resolve the family, dump domains and peers, change the config.

use std::fmt::Debug;
use std::io;

use idcstat_uapi::family::{cmd, ABI_VERSION, FAMILY_NAME, MCGRP_EVENTS};
use netlink_packet_core::{
    Emitable, NetlinkHeader, NetlinkMessage, NetlinkPayload, ParseableParametrized, NLMSG_DONE,
    NLMSG_ERROR, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
use netlink_packet_generic::ctrl::nlas::{GenlCtrlAttrs, McastGrpAttrs};
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};

use crate::attrs::{DomainAttr, PeerAttr};
use crate::error::IdcstatError;
use crate::frames::{error_reply, split, ErrorReply};
use crate::message::{IdcstatAttrs, IdcstatMessage};
use crate::model::{ConfigUpdate, DomainStats, IdcstatConfig, PeerStats, PeerTable};
use crate::transport::{SocketTransport, Transport};

/// The generic netlink controller's fixed family id.
const GENL_ID_CTRL: u16 = 0x10;
/// Dumps restarted this many times (NLM_F_DUMP_INTR, ENOBUFS) before giving up.
pub const DUMP_ATTEMPTS: u32 = 5;
const ENOENT: i32 = 2;
const EPERM: i32 = 1;
const EACCES: i32 = 13;
const ENOBUFS: i32 = 105;

/// Which peers to dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeerFilter {
    /// Only this domain.
    pub domid: Option<u32>,
    /// Only this generation of it.
    pub generation: Option<u32>,
    /// Only this table.
    pub table: Option<PeerTable>,
}

/// A client of the idcstat module over one generic netlink socket.
#[derive(Debug)]
pub struct IdcstatClient<T: Transport = SocketTransport> {
    transport: T,
    family_id: u16,
    events_group: Option<u32>,
    seq: u32,
}

impl IdcstatClient<SocketTransport> {
    /// Opens a socket and resolves the family. `ModuleNotLoaded` when it is missing.
    pub fn connect() -> Result<Self, IdcstatError> {
        IdcstatClient::with_transport(SocketTransport::open()?)
    }
}

fn is_enobufs(error: &io::Error) -> bool {
    error.raw_os_error() == Some(ENOBUFS)
}

fn kernel_error(operation: &'static str, reply: ErrorReply) -> IdcstatError {
    let errno = reply.code.saturating_neg();
    match errno {
        EPERM | EACCES => IdcstatError::PermissionDenied { operation },
        _ => IdcstatError::Kernel {
            operation,
            errno,
            message: reply
                .message
                .unwrap_or_else(|| io::Error::from_raw_os_error(errno).to_string()),
        },
    }
}

impl<T: Transport> IdcstatClient<T> {
    /// Resolves the family over `transport`.
    pub fn with_transport(transport: T) -> Result<Self, IdcstatError> {
        let mut client = IdcstatClient {
            transport,
            family_id: 0,
            events_group: None,
            seq: 0,
        };
        let request = GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(FAMILY_NAME.into())],
        };
        let replies = match client.exchange("family lookup", GENL_ID_CTRL, request, NLM_F_ACK) {
            Err(IdcstatError::Kernel { errno: ENOENT, .. }) => {
                return Err(IdcstatError::ModuleNotLoaded)
            }
            other => other?,
        };
        for nla in replies
            .iter()
            .flat_map(|reply: &GenlCtrl| reply.nlas.iter())
        {
            match nla {
                GenlCtrlAttrs::FamilyId(id) => client.family_id = *id,
                GenlCtrlAttrs::McastGroups(groups) => {
                    for group in groups {
                        let name = group.iter().find_map(|a| match a {
                            McastGrpAttrs::Name(n) => Some(n.as_str()),
                            _ => None,
                        });
                        let id = group.iter().find_map(|a| match a {
                            McastGrpAttrs::Id(id) => Some(*id),
                            _ => None,
                        });
                        if name == Some(MCGRP_EVENTS) {
                            client.events_group = id;
                        }
                    }
                }
                _ => {}
            }
        }
        if client.family_id == 0 {
            return Err(IdcstatError::ModuleNotLoaded);
        }
        tracing::debug!(family_id = client.family_id, events_group = ?client.events_group, "idcstat family resolved");
        Ok(client)
    }

    /// The resolved family id.
    pub fn family_id(&self) -> u16 {
        self.family_id
    }

    /// The `events` multicast group id, if the module has it.
    pub fn events_group(&self) -> Option<u32> {
        self.events_group
    }

    /// Gives the transport back (e.g. to listen for events on it).
    pub fn into_transport(self) -> T {
        self.transport
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1).max(1);
        self.seq
    }

    fn send<P>(&mut self, family_id: u16, payload: P, flags: u16) -> Result<u32, IdcstatError>
    where
        P: GenlFamily + Emitable + Debug,
    {
        let seq = self.next_seq();
        let mut genl = GenlMessage::from_payload(payload);
        genl.set_resolved_family_id(family_id);
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | flags;
        header.sequence_number = seq;
        let mut message = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(genl));
        message.finalize();
        let mut buffer = vec![0u8; message.buffer_len()];
        message.serialize(&mut buffer);
        self.transport.send(&buffer)?;
        Ok(seq)
    }

    /// Sends a request and collects its replies until the ack or NLMSG_DONE. A dump
    /// that reports NLM_F_DUMP_INTR, or a socket overrun, is restarted from scratch.
    fn exchange<P>(
        &mut self,
        operation: &'static str,
        family_id: u16,
        payload: P,
        flags: u16,
    ) -> Result<Vec<P>, IdcstatError>
    where
        P: GenlFamily + Emitable + ParseableParametrized<[u8], GenlHeader> + Debug + Clone,
    {
        for attempt in 1..=DUMP_ATTEMPTS {
            let seq = self.send(family_id, payload.clone(), flags)?;
            match self.collect(operation, family_id, seq)? {
                Some(replies) => return Ok(replies),
                None => tracing::debug!(operation, attempt, "dump interrupted, restarting"),
            }
        }
        Err(IdcstatError::DumpInterrupted {
            operation,
            attempts: DUMP_ATTEMPTS,
        })
    }

    /// `Ok(None)` when the replies must be discarded and the request repeated.
    fn collect<P>(
        &mut self,
        operation: &'static str,
        family_id: u16,
        seq: u32,
    ) -> Result<Option<Vec<P>>, IdcstatError>
    where
        P: ParseableParametrized<[u8], GenlHeader> + Debug,
    {
        let mut replies = Vec::new();
        let mut interrupted = false;
        loop {
            let datagram = match self.transport.recv() {
                Ok(datagram) => datagram,
                Err(error) if is_enobufs(&error) => {
                    // Replies were lost. Drain nothing: later replies of this seq are
                    // ignored by the retry, which uses a new seq.
                    return Ok(None);
                }
                Err(error) => return Err(error.into()),
            };
            for message in split(&datagram)? {
                if message.seq != seq {
                    continue;
                }
                if message.flags & NLM_F_DUMP_INTR != 0 {
                    interrupted = true;
                }
                match message.kind {
                    NLMSG_ERROR => {
                        let reply = error_reply(&message)?;
                        if reply.code != 0 {
                            return Err(kernel_error(operation, reply));
                        }
                        return Ok((!interrupted).then_some(replies));
                    }
                    NLMSG_DONE => {
                        let reply = error_reply(&message).unwrap_or(ErrorReply {
                            code: 0,
                            message: None,
                        });
                        if reply.code < 0 {
                            return Err(kernel_error(operation, reply));
                        }
                        return Ok((!interrupted).then_some(replies));
                    }
                    kind if kind == family_id => {
                        let genl = GenlMessage::<P>::parse_with_param(message.body, kind)?;
                        replies.push(genl.payload);
                    }
                    _ => {}
                }
            }
        }
    }

    fn domain_replies(replies: Vec<IdcstatMessage>) -> Vec<DomainStats> {
        replies
            .into_iter()
            .filter_map(|m| match m.attrs {
                IdcstatAttrs::Domain(attrs) => Some(DomainStats::from_attrs(&attrs)),
                _ => None,
            })
            .collect()
    }

    /// Every domain with its counters (dump; consistent or an error).
    pub fn dump_domains(&mut self) -> Result<Vec<DomainStats>, IdcstatError> {
        let request = IdcstatMessage::domain(cmd::DOMAIN_GET, Vec::new());
        let replies = self.exchange("domain dump", self.family_id, request, NLM_F_DUMP)?;
        Ok(Self::domain_replies(replies))
    }

    /// One domain (its active generation unless `generation` is given).
    pub fn get_domain(
        &mut self,
        domid: u32,
        generation: Option<u32>,
    ) -> Result<Option<DomainStats>, IdcstatError> {
        let mut attrs = vec![DomainAttr::Domid(domid)];
        attrs.extend(generation.map(DomainAttr::Generation));
        let request = IdcstatMessage::domain(cmd::DOMAIN_GET, attrs);
        match self.exchange("domain get", self.family_id, request, NLM_F_ACK) {
            Ok(replies) => Ok(Self::domain_replies(replies).into_iter().next()),
            Err(IdcstatError::Kernel { errno: ENOENT, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Per-peer entries of the filtered domains and tables (admin only).
    pub fn dump_peers(&mut self, filter: PeerFilter) -> Result<Vec<PeerStats>, IdcstatError> {
        let mut attrs = Vec::new();
        attrs.extend(filter.domid.map(PeerAttr::Domid));
        attrs.extend(filter.generation.map(PeerAttr::Generation));
        attrs.extend(filter.table.map(|t| PeerAttr::Table(t.to_wire())));
        let request = IdcstatMessage::peer(cmd::PEER_GET, attrs);
        let replies = self.exchange("peer dump", self.family_id, request, NLM_F_DUMP)?;
        Ok(replies
            .into_iter()
            .filter_map(|m| match m.attrs {
                IdcstatAttrs::Peer(attrs) => Some(PeerStats::from_attrs(&attrs)),
                _ => None,
            })
            .collect())
    }

    /// The configuration and fixed sizes; checks the ABI version.
    pub fn get_config(&mut self) -> Result<IdcstatConfig, IdcstatError> {
        let request = IdcstatMessage::config(cmd::CONFIG_GET, Vec::new());
        let replies = self.exchange("config get", self.family_id, request, NLM_F_ACK)?;
        let config = replies
            .into_iter()
            .find_map(|m| match m.attrs {
                IdcstatAttrs::Config(attrs) => Some(IdcstatConfig::from_attrs(&attrs)),
                _ => None,
            })
            .ok_or_else(|| IdcstatError::Decode("config-get returned no config".into()))?;
        if config.abi_version != ABI_VERSION {
            return Err(IdcstatError::AbiMismatch {
                found: config.abi_version,
                supported: ABI_VERSION,
            });
        }
        Ok(config)
    }

    /// Applies a config update (admin only).
    pub fn set_config(&mut self, update: &ConfigUpdate) -> Result<(), IdcstatError> {
        let request = IdcstatMessage::config(cmd::CONFIG_SET, update.to_attrs());
        self.exchange("config set", self.family_id, request, NLM_F_ACK)
            .map(|_| ())
    }

    /// Acknowledges a departed domain's final counters (admin only).
    pub fn ack_departed(&mut self, domid: u32, generation: u32) -> Result<(), IdcstatError> {
        let request = IdcstatMessage::domain(
            cmd::DEPARTED_ACK,
            vec![DomainAttr::Domid(domid), DomainAttr::Generation(generation)],
        );
        self.exchange("departed ack", self.family_id, request, NLM_F_ACK)
            .map(|_| ())
    }

    /// Zeroes every counter (admin only).
    pub fn reset(&mut self) -> Result<(), IdcstatError> {
        let request = IdcstatMessage::domain(cmd::RESET, Vec::new());
        self.exchange("reset", self.family_id, request, NLM_F_ACK)
            .map(|_| ())
    }
}
