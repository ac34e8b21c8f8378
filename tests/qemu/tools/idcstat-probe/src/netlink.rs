//! A minimal blocking generic netlink socket over libc (test tool only).

use std::io;

/// `NLMSG_ERROR`.
const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`.
const NLMSG_DONE: u16 = 3;
/// `NLM_F_REQUEST`.
pub const NLM_F_REQUEST: u16 = 1;
/// `NLM_F_ACK`.
pub const NLM_F_ACK: u16 = 4;
/// `NLM_F_DUMP` (root | match).
pub const NLM_F_DUMP: u16 = 0x300;
/// `NLM_F_DUMP_INTR`.
pub const NLM_F_DUMP_INTR: u16 = 0x10;
/// `NLM_F_ACK_TLVS` (extack attributes follow an error).
const NLM_F_ACK_TLVS: u16 = 0x200;
/// `NLMSGERR_ATTR_MSG`.
const NLMSGERR_ATTR_MSG: u16 = 1;
/// `NETLINK_EXT_ACK` socket option.
const NETLINK_EXT_ACK: libc::c_int = 11;

/// Builds attributes into a byte buffer.
#[derive(Debug, Default, Clone)]
pub struct AttrBuf {
    /// The encoded attributes.
    pub bytes: Vec<u8>,
}

impl AttrBuf {
    /// Appends an attribute with a raw payload.
    pub fn put(&mut self, kind: u16, payload: &[u8]) -> &mut Self {
        let len = u16::try_from(4 + payload.len()).unwrap_or(u16::MAX);
        self.bytes.extend_from_slice(&len.to_ne_bytes());
        self.bytes.extend_from_slice(&kind.to_ne_bytes());
        self.bytes.extend_from_slice(payload);
        while self.bytes.len() % 4 != 0 {
            self.bytes.push(0);
        }
        self
    }

    /// Appends a u32 attribute.
    pub fn u32(&mut self, kind: u16, value: u32) -> &mut Self {
        self.put(kind, &value.to_ne_bytes())
    }

    /// Appends a u64 (`uint`) attribute.
    pub fn u64(&mut self, kind: u16, value: u64) -> &mut Self {
        self.put(kind, &value.to_ne_bytes())
    }

    /// Appends a nested attribute (NLA_F_NESTED set).
    pub fn nest(&mut self, kind: u16, inner: &AttrBuf) -> &mut Self {
        self.put(kind | 0x8000, &inner.bytes)
    }
}

/// Iterates attributes: (type without flags, payload).
pub fn attrs(mut bytes: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if bytes.len() < 4 {
            return None;
        }
        let len = usize::from(u16::from_ne_bytes([bytes[0], bytes[1]]));
        let kind = u16::from_ne_bytes([bytes[2], bytes[3]]) & 0x3fff;
        let payload = bytes.get(4..len)?;
        bytes = bytes.get((len + 3) & !3..).unwrap_or(&[]);
        Some((kind, payload))
    })
}

/// A kernel error reply: errno (positive) and the extack message, if any.
#[derive(Debug)]
pub struct KernelError {
    /// Positive errno.
    pub errno: i32,
    /// Extack message.
    pub message: Option<String>,
}

/// One reply message: flags, genl command, attributes.
#[derive(Debug)]
pub struct Reply {
    /// nlmsg flags.
    pub flags: u16,
    /// genl command.
    pub cmd: u8,
    /// Attribute bytes.
    pub attrs: Vec<u8>,
}

/// A NETLINK_GENERIC socket.
#[derive(Debug)]
pub struct GenlSocket {
    fd: libc::c_int,
    seq: u32,
    /// Bytes offered to each recv(2): the kernel sizes dump pages after it.
    recv_len: usize,
    /// Sleep after each recv(2) of a reply, so that changes can land between pages.
    pause: std::time::Duration,
    /// recv(2) calls (dump pages) the last `receive` made.
    pub pages: usize,
    /// Some message of the last `receive`, NLMSG_DONE included, had NLM_F_DUMP_INTR:
    /// the kernel flags the first message written after a change, which is DONE when
    /// the change landed just before the last page.
    pub dump_interrupted: bool,
}

impl GenlSocket {
    /// Opens a NETLINK_GENERIC socket, with extended acks on.
    pub fn open() -> io::Result<Self> {
        Self::open_protocol(libc::NETLINK_GENERIC)
    }

    /// Opens a netlink socket of `protocol`, with extended acks on.
    pub fn open_protocol(protocol: libc::c_int) -> io::Result<Self> {
        // SAFETY: plain socket(2) call.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                protocol,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let one: libc::c_int = 1;
        // SAFETY: `one` is a valid c_int for the call's duration.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_NETLINK,
                NETLINK_EXT_ACK,
                (&one as *const libc::c_int).cast(),
                4,
            )
        };
        Ok(GenlSocket {
            fd,
            seq: 1,
            recv_len: 1 << 16,
            pause: std::time::Duration::ZERO,
            pages: 0,
            dump_interrupted: false,
        })
    }

    /// Reads replies `recv_len` bytes at a time and sleeps `pause` after each read
    /// (a slow reader of small dump pages).
    pub fn pace(&mut self, recv_len: usize, pause: std::time::Duration) {
        self.recv_len = recv_len;
        self.pause = pause;
    }

    /// Sends one generic netlink request.
    pub fn send(
        &mut self,
        family: u16,
        flags: u16,
        cmd: u8,
        version: u8,
        attrs: &[u8],
    ) -> io::Result<u32> {
        self.send_raw(family, flags, &[cmd, version, 0, 0], attrs)
    }

    /// Sends one netlink message: family header `fixed`, then `attrs`.
    pub fn send_raw(
        &mut self,
        kind: u16,
        flags: u16,
        fixed: &[u8],
        attrs: &[u8],
    ) -> io::Result<u32> {
        self.seq = self.seq.wrapping_add(1);
        let len = 16 + fixed.len() + attrs.len();
        let mut msg = Vec::with_capacity(len);
        msg.extend_from_slice(&(len as u32).to_ne_bytes());
        msg.extend_from_slice(&kind.to_ne_bytes());
        msg.extend_from_slice(&flags.to_ne_bytes());
        msg.extend_from_slice(&self.seq.to_ne_bytes());
        msg.extend_from_slice(&0u32.to_ne_bytes());
        msg.extend_from_slice(fixed);
        msg.extend_from_slice(attrs);
        // SAFETY: `msg` is valid for reads of its length.
        let sent = unsafe { libc::send(self.fd, msg.as_ptr().cast(), msg.len(), 0) };
        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(self.seq)
    }

    /// Receives replies until the ack (do) or NLMSG_DONE (dump).
    pub fn receive(&mut self) -> io::Result<Result<Vec<Reply>, KernelError>> {
        let mut replies = Vec::new();
        let mut buf = vec![0u8; self.recv_len];
        self.pages = 0;
        self.dump_interrupted = false;
        loop {
            if self.pages > 0 && !self.pause.is_zero() {
                std::thread::sleep(self.pause);
            }
            // SAFETY: `buf` is valid for writes of its length.
            // MSG_TRUNC: the real length, so that a page larger than `buf` is an error,
            // not silently lost replies.
            let n =
                unsafe { libc::recv(self.fd, buf.as_mut_ptr().cast(), buf.len(), libc::MSG_TRUNC) };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            if n as usize > buf.len() {
                return Err(io::Error::other(format!(
                    "reply of {n} bytes truncated to {}",
                    buf.len()
                )));
            }
            self.pages += 1;
            let mut rest = &buf[..n as usize];
            while rest.len() >= 16 {
                let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
                let kind = u16::from_ne_bytes([rest[4], rest[5]]);
                let flags = u16::from_ne_bytes([rest[6], rest[7]]);
                if len < 16 || len > rest.len() {
                    break;
                }
                let body = &rest[16..len];
                if flags & NLM_F_DUMP_INTR != 0 {
                    self.dump_interrupted = true;
                }
                match kind {
                    NLMSG_DONE => return Ok(Ok(replies)),
                    NLMSG_ERROR => {
                        let errno = body
                            .get(..4)
                            .map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
                        if errno == 0 {
                            return Ok(Ok(replies));
                        }
                        let mut message = None;
                        if flags & NLM_F_ACK_TLVS != 0 {
                            // errno, then the request: its header only when capped
                            // (NLM_F_CAPPED), else the whole request as sent.
                            let request_len = body.get(4..8).map_or(0, |b| {
                                u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as usize
                            });
                            let skip = 4 + if flags & 0x100 != 0 {
                                16
                            } else {
                                (request_len + 3) & !3
                            };
                            for (t, p) in attrs(body.get(skip..).unwrap_or(&[])) {
                                if t == NLMSGERR_ATTR_MSG {
                                    message = Some(
                                        String::from_utf8_lossy(p)
                                            .trim_end_matches('\0')
                                            .to_string(),
                                    );
                                }
                            }
                        }
                        return Ok(Err(KernelError {
                            errno: -errno,
                            message,
                        }));
                    }
                    _ => {
                        if body.len() >= 4 {
                            replies.push(Reply {
                                flags,
                                cmd: body[0],
                                attrs: body[4..].to_vec(),
                            });
                        }
                    }
                }
                rest = rest.get((len + 3) & !3..).unwrap_or(&[]);
            }
        }
    }

    /// Resolves a generic netlink family id by name.
    pub fn family_id(&mut self, name: &str) -> io::Result<Option<u16>> {
        let mut attrs = AttrBuf::default();
        let mut cname = name.as_bytes().to_vec();
        cname.push(0);
        attrs.put(2, &cname); // CTRL_ATTR_FAMILY_NAME
        self.send(0x10, NLM_F_REQUEST | NLM_F_ACK, 3, 1, &attrs.bytes)?; // GENL_ID_CTRL, GETFAMILY
        let Ok(replies) = self.receive()? else {
            return Ok(None);
        };
        Ok(replies.iter().find_map(|r| {
            self::attrs(&r.attrs)
                .find(|(t, _)| *t == 1)
                .and_then(|(_, p)| p.get(..2))
                .map(|b| u16::from_ne_bytes([b[0], b[1]]))
        }))
    }
}

impl Drop for GenlSocket {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor.
        unsafe { libc::close(self.fd) };
    }
}
