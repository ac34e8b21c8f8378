//! A scripted kernel behind the `Transport` trait, and builders of its replies.
#![allow(dead_code)] // Each test file uses a different subset.

use std::collections::VecDeque;
use std::io;

use idcstat_client::message::IdcstatMessage;
use idcstat_client::Transport;
use netlink_packet_core::{NetlinkHeader, NetlinkMessage, NetlinkPayload, NLM_F_MULTIPART};
use netlink_packet_generic::ctrl::nlas::{GenlCtrlAttrs, McastGrpAttrs};
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::GenlMessage;

pub const FAMILY_ID: u16 = 0x1d;
pub const EVENTS_GROUP: u32 = 7;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const ENOBUFS: i32 = 105;

/// What the fake kernel does with the n-th request.
pub type Script = Box<dyn FnMut(usize, &Request) -> Vec<Reply>>;

/// A request as the fake kernel sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: u16,
    pub flags: u16,
    pub seq: u32,
    pub cmd: u8,
    pub bytes: Vec<u8>,
}

/// One reply datagram, or an error from recv.
pub enum Reply {
    Datagram(Vec<u8>),
    Errno(i32),
}

pub struct FakeKernel {
    script: Script,
    requests: usize,
    queue: VecDeque<Reply>,
    pub sent: Vec<Request>,
    pub groups: Vec<u32>,
}

impl std::fmt::Debug for FakeKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeKernel")
            .field("requests", &self.requests)
            .finish()
    }
}

impl FakeKernel {
    pub fn new(script: Script) -> Self {
        FakeKernel {
            script,
            requests: 0,
            queue: VecDeque::new(),
            sent: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// Queues an unsolicited datagram or error (multicast notifications).
    pub fn push(&mut self, reply: Reply) {
        self.queue.push_back(reply);
    }
}

impl Transport for FakeKernel {
    fn send(&mut self, datagram: &[u8]) -> io::Result<()> {
        let request = Request {
            kind: u16::from_ne_bytes([datagram[4], datagram[5]]),
            flags: u16::from_ne_bytes([datagram[6], datagram[7]]),
            seq: u32::from_ne_bytes([datagram[8], datagram[9], datagram[10], datagram[11]]),
            cmd: datagram[16],
            bytes: datagram.to_vec(),
        };
        let replies = (self.script)(self.requests, &request);
        self.requests += 1;
        self.sent.push(request);
        self.queue.extend(replies);
        Ok(())
    }

    fn recv(&mut self) -> io::Result<Vec<u8>> {
        match self.queue.pop_front() {
            Some(Reply::Datagram(bytes)) => Ok(bytes),
            Some(Reply::Errno(errno)) => Err(io::Error::from_raw_os_error(errno)),
            None => Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "fake kernel has nothing more to say",
            )),
        }
    }

    fn join_group(&mut self, group: u32) -> io::Result<()> {
        self.groups.push(group);
        Ok(())
    }
}

/// A netlink message with `body` after the header.
pub fn nlmsg(kind: u16, flags: u16, seq: u32, body: &[u8]) -> Vec<u8> {
    let len = 16 + body.len();
    let mut out = Vec::with_capacity(len + 3);
    out.extend_from_slice(&(len as u32).to_ne_bytes());
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&flags.to_ne_bytes());
    out.extend_from_slice(&seq.to_ne_bytes());
    out.extend_from_slice(&0u32.to_ne_bytes());
    out.extend_from_slice(body);
    while out.len() % 4 != 0 {
        out.push(0);
    }
    out
}

/// An idcstat message from the kernel (multipart when part of a dump).
pub fn idcstat_reply(seq: u32, flags: u16, message: IdcstatMessage) -> Vec<u8> {
    let mut genl = GenlMessage::from_payload(message);
    genl.set_resolved_family_id(FAMILY_ID);
    let mut header = NetlinkHeader::default();
    header.flags = flags;
    header.sequence_number = seq;
    let mut nl = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(genl));
    nl.finalize();
    let mut out = vec![0u8; nl.buffer_len()];
    nl.serialize(&mut out);
    out
}

pub fn done(seq: u32) -> Vec<u8> {
    nlmsg(NLMSG_DONE, NLM_F_MULTIPART, seq, &0i32.to_ne_bytes())
}

/// An ack (code 0) or error (negative errno), with an optional extack message.
pub fn error(seq: u32, code: i32, extack: Option<&str>) -> Vec<u8> {
    let mut body = code.to_ne_bytes().to_vec();
    // The echoed request header, capped.
    body.extend_from_slice(&nlmsg(FAMILY_ID, 0, seq, &[])[..16]);
    let mut flags = 0x100; // NLM_F_CAPPED
    if let Some(text) = extack {
        flags |= 0x200; // NLM_F_ACK_TLVS
        let mut value = text.as_bytes().to_vec();
        value.push(0);
        body.extend_from_slice(&((4 + value.len()) as u16).to_ne_bytes());
        body.extend_from_slice(&1u16.to_ne_bytes());
        body.extend_from_slice(&value);
        while body.len() % 4 != 0 {
            body.push(0);
        }
    }
    nlmsg(NLMSG_ERROR, flags, seq, &body)
}

/// The controller's reply to the family lookup.
pub fn family_reply(seq: u32) -> Vec<u8> {
    let ctrl = GenlCtrl {
        cmd: GenlCtrlCmd::NewFamily,
        nlas: vec![
            GenlCtrlAttrs::FamilyId(FAMILY_ID),
            GenlCtrlAttrs::FamilyName("idcstat".into()),
            GenlCtrlAttrs::McastGroups(vec![vec![
                McastGrpAttrs::Name("events".into()),
                McastGrpAttrs::Id(EVENTS_GROUP),
            ]]),
        ],
    };
    let mut genl = GenlMessage::from_payload(ctrl);
    genl.set_resolved_family_id(0x10);
    let mut header = NetlinkHeader::default();
    header.sequence_number = seq;
    let mut nl = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(genl));
    nl.finalize();
    let mut out = vec![0u8; nl.buffer_len()];
    nl.serialize(&mut out);
    out.extend(error(seq, 0, None));
    out
}

/// Answers the first request (family lookup) and hands the rest to `rest`.
pub fn kernel(mut rest: impl FnMut(usize, &Request) -> Vec<Reply> + 'static) -> FakeKernel {
    FakeKernel::new(Box::new(move |n, request| {
        if n == 0 {
            vec![Reply::Datagram(family_reply(request.seq))]
        } else {
            rest(n, request)
        }
    }))
}
