//! The generic netlink payload of the idcstat family: a command and its attributes,
//! whose set depends on the command.

use idcstat_uapi::family::{cmd, FAMILY_NAME, FAMILY_VERSION};
use netlink_packet_core::{DecodeError, Emitable, ParseableParametrized};
use netlink_packet_generic::{GenlFamily, GenlHeader};

use crate::attrs::{ConfigAttr, DomainAttr, PeerAttr};
use crate::wire::{emit_nlas, nlas_len, parse_nlas};

/// The attributes of a message, by attribute set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdcstatAttrs {
    /// domain-get, departed-ack, reset, notifications.
    Domain(Vec<DomainAttr>),
    /// peer-get.
    Peer(Vec<PeerAttr>),
    /// config-get, config-set.
    Config(Vec<ConfigAttr>),
}

/// One idcstat generic netlink message (after the genl header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdcstatMessage {
    /// Command (`idcstat_uapi::family::cmd`).
    pub cmd: u8,
    /// Attributes.
    pub attrs: IdcstatAttrs,
}

impl IdcstatMessage {
    /// A message of `cmd` with domain attributes.
    pub fn domain(cmd: u8, attrs: Vec<DomainAttr>) -> Self {
        IdcstatMessage {
            cmd,
            attrs: IdcstatAttrs::Domain(attrs),
        }
    }

    /// A message of `cmd` with peer attributes.
    pub fn peer(cmd: u8, attrs: Vec<PeerAttr>) -> Self {
        IdcstatMessage {
            cmd,
            attrs: IdcstatAttrs::Peer(attrs),
        }
    }

    /// A message of `cmd` with config attributes.
    pub fn config(cmd: u8, attrs: Vec<ConfigAttr>) -> Self {
        IdcstatMessage {
            cmd,
            attrs: IdcstatAttrs::Config(attrs),
        }
    }
}

impl GenlFamily for IdcstatMessage {
    fn family_name() -> &'static str {
        FAMILY_NAME
    }

    fn command(&self) -> u8 {
        self.cmd
    }

    fn version(&self) -> u8 {
        FAMILY_VERSION
    }
}

impl Emitable for IdcstatMessage {
    fn buffer_len(&self) -> usize {
        match &self.attrs {
            IdcstatAttrs::Domain(nlas) => nlas_len(nlas),
            IdcstatAttrs::Peer(nlas) => nlas_len(nlas),
            IdcstatAttrs::Config(nlas) => nlas_len(nlas),
        }
    }

    fn emit(&self, buffer: &mut [u8]) {
        match &self.attrs {
            IdcstatAttrs::Domain(nlas) => emit_nlas(nlas, buffer),
            IdcstatAttrs::Peer(nlas) => emit_nlas(nlas, buffer),
            IdcstatAttrs::Config(nlas) => emit_nlas(nlas, buffer),
        }
    }
}

impl ParseableParametrized<[u8], GenlHeader> for IdcstatMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        let attrs = match header.cmd {
            cmd::DOMAIN_GET
            | cmd::DEPARTED_ACK
            | cmd::RESET
            | cmd::DOMAIN_NEW_NTF
            | cmd::DOMAIN_DEPARTED_NTF => IdcstatAttrs::Domain(parse_nlas(buf)?),
            cmd::PEER_GET => IdcstatAttrs::Peer(parse_nlas(buf)?),
            cmd::CONFIG_GET | cmd::CONFIG_SET => IdcstatAttrs::Config(parse_nlas(buf)?),
            other => {
                return Err(DecodeError::from(format!(
                    "unknown idcstat command {other}"
                )))
            }
        };
        Ok(IdcstatMessage {
            cmd: header.cmd,
            attrs,
        })
    }
}
