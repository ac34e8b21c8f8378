//! Splitting datagrams into netlink messages, and decoding error messages with their
//! extended-ack text.

use netlink_packet_core::{NLM_F_ACK_TLVS, NLM_F_CAPPED};

use crate::error::IdcstatError;

const NLMSG_HDRLEN: usize = 16;
const NLMSG_ALIGNTO: usize = 4;
const NLMSGERR_ATTR_MSG: u16 = 1;

/// One netlink message inside a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawMessage<'a> {
    /// `nlmsg_type`.
    pub kind: u16,
    /// `nlmsg_flags`.
    pub flags: u16,
    /// `nlmsg_seq`.
    pub seq: u32,
    /// Everything after the 16-byte header.
    pub body: &'a [u8],
}

fn align(len: usize) -> usize {
    (len + NLMSG_ALIGNTO - 1) & !(NLMSG_ALIGNTO - 1)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_ne_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Splits a datagram into its messages; a length that does not fit is an error.
pub fn split(datagram: &[u8]) -> Result<Vec<RawMessage<'_>>, IdcstatError> {
    let mut messages = Vec::new();
    let mut offset = 0;
    while offset < datagram.len() {
        let rest = &datagram[offset..];
        let len = u32_at(rest, 0)
            .ok_or_else(|| IdcstatError::Decode("truncated netlink header".into()))?
            as usize;
        if len < NLMSG_HDRLEN || len > rest.len() {
            return Err(IdcstatError::Decode(format!(
                "netlink message length {len} of {} bytes left",
                rest.len()
            )));
        }
        messages.push(RawMessage {
            kind: u16_at(rest, 4).unwrap_or_default(),
            flags: u16_at(rest, 6).unwrap_or_default(),
            seq: u32_at(rest, 8).unwrap_or_default(),
            body: &rest[NLMSG_HDRLEN..len],
        });
        offset += align(len).min(rest.len());
    }
    Ok(messages)
}

/// An NLMSG_ERROR (or NLMSG_DONE) body: the error code (0 = ack) and extack message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReply {
    /// Negative errno, or 0 for an acknowledgement.
    pub code: i32,
    /// The extended-ack message, if the kernel sent one.
    pub message: Option<String>,
}

/// Decodes an NLMSG_ERROR body, skipping the echoed request to reach the extack TLVs.
pub fn error_reply(message: &RawMessage<'_>) -> Result<ErrorReply, IdcstatError> {
    let body = message.body;
    let code = u32_at(body, 0)
        .ok_or_else(|| IdcstatError::Decode("truncated netlink error".into()))?
        as i32;
    if message.flags & NLM_F_ACK_TLVS == 0 {
        return Ok(ErrorReply {
            code,
            message: None,
        });
    }
    let echoed_len = if message.flags & NLM_F_CAPPED != 0 {
        NLMSG_HDRLEN
    } else {
        u32_at(body, 4).map_or(NLMSG_HDRLEN, |len| align(len as usize))
    };
    let mut offset = 4usize.saturating_add(echoed_len);
    let mut text = None;
    while let (Some(len), Some(kind)) = (u16_at(body, offset), u16_at(body, offset + 2)) {
        let len = len as usize;
        if len < 4 {
            break;
        }
        if kind & 0x3fff == NLMSGERR_ATTR_MSG {
            if let Some(value) = body.get(offset + 4..offset + len) {
                let value = value.split(|&b| b == 0).next().unwrap_or_default();
                text = Some(String::from_utf8_lossy(value).into_owned());
            }
        }
        offset += align(len);
    }
    Ok(ErrorReply {
        code,
        message: text,
    })
}
