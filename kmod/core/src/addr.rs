//! MAC and IP addresses, and prefixes, in the packed forms the tables store.
//!
//! IPv4 addresses are kept as IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) so that
//! one 128-bit form (two `u64` words) serves both families.

/// A 48-bit Ethernet address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// The broadcast address.
    pub const BROADCAST: MacAddr = MacAddr([0xff; 6]);

    /// Packs the address into the low 48 bits of a word (first octet most significant).
    #[inline(always)]
    pub const fn to_u64(self) -> u64 {
        let b = self.0;
        ((b[0] as u64) << 40)
            | ((b[1] as u64) << 32)
            | ((b[2] as u64) << 24)
            | ((b[3] as u64) << 16)
            | ((b[4] as u64) << 8)
            | (b[5] as u64)
    }

    /// Unpacks the low 48 bits of a word.
    #[inline(always)]
    pub const fn from_u64(word: u64) -> MacAddr {
        MacAddr([
            (word >> 40) as u8,
            (word >> 32) as u8,
            (word >> 24) as u8,
            (word >> 16) as u8,
            (word >> 8) as u8,
            word as u8,
        ])
    }

    /// Group (broadcast or multicast) address: the I/G bit of the first octet.
    #[inline(always)]
    pub const fn is_group(self) -> bool {
        self.0[0] & 1 == 1
    }

    /// All zeroes (never a valid station address).
    #[inline(always)]
    pub const fn is_zero(self) -> bool {
        self.to_u64() == 0
    }

    /// A unicast, non-zero address: the only kind a domain can own.
    #[inline(always)]
    pub const fn is_station(self) -> bool {
        !self.is_group() && !self.is_zero()
    }
}

/// An IPv4 or IPv6 address, stored as 16 bytes (IPv4-mapped for IPv4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct IpAddr16(pub [u8; 16]);

/// The low word of `::ffff:0.0.0.0`.
const V4_MAPPED_LOW: u64 = 0xffff_0000_0000;

impl IpAddr16 {
    /// The IPv4-mapped form of an IPv4 address.
    ///
    /// Built with the same 8-byte stores `to_words` loads, so that the per-packet
    /// path does not stall on store-to-load forwarding (byte-wise construction
    /// followed by word loads cost ~4 ns per conversion).
    #[inline(always)]
    pub fn from_v4(v4: [u8; 4]) -> IpAddr16 {
        IpAddr16::from_words(0, V4_MAPPED_LOW | u64::from(u32::from_be_bytes(v4)))
    }

    /// An IPv6 address.
    #[inline(always)]
    pub const fn from_v6(v6: [u8; 16]) -> IpAddr16 {
        IpAddr16(v6)
    }

    /// The IPv4 address if this is an IPv4-mapped address.
    #[inline(always)]
    pub fn v4(self) -> Option<[u8; 4]> {
        let (hi, lo) = self.to_words();
        (hi == 0 && lo >> 32 == V4_MAPPED_LOW >> 32).then(|| (lo as u32).to_be_bytes())
    }

    /// The two big-endian words (high, low) of the address.
    #[inline(always)]
    pub fn to_words(self) -> (u64, u64) {
        let mut hi = [0u8; 8];
        let mut lo = [0u8; 8];
        hi.copy_from_slice(&self.0[..8]);
        lo.copy_from_slice(&self.0[8..]);
        (u64::from_be_bytes(hi), u64::from_be_bytes(lo))
    }

    /// Rebuilds an address from its two words.
    #[inline(always)]
    pub fn from_words(hi: u64, lo: u64) -> IpAddr16 {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&hi.to_be_bytes());
        bytes[8..].copy_from_slice(&lo.to_be_bytes());
        IpAddr16(bytes)
    }

    /// `0.0.0.0` or `::`: never a host's address.
    #[inline(always)]
    pub fn is_unspecified(self) -> bool {
        let (hi, lo) = self.to_words();
        hi == 0 && (lo == 0 || lo == V4_MAPPED_LOW)
    }

    /// Multicast or the IPv4 limited broadcast.
    #[inline(always)]
    pub fn is_multicast_or_broadcast(self) -> bool {
        match self.v4() {
            Some(v4) => v4[0] & 0xf0 == 0xe0 || v4 == [255; 4],
            None => self.0[0] == 0xff,
        }
    }

    /// IPv6 link-local (`fe80::/10`).
    #[inline(always)]
    pub fn is_v6_link_local(self) -> bool {
        self.v4().is_none() && self.0[0] == 0xfe && self.0[1] & 0xc0 == 0x80
    }

    /// An address a domain may own (learning skips the others).
    #[inline(always)]
    pub fn is_unicast_host(self) -> bool {
        !self.is_unspecified() && !self.is_multicast_or_broadcast()
    }
}

/// An address prefix over the 128-bit form (IPv4 prefixes are mapped: /24 becomes /120).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prefix {
    addr: IpAddr16,
    len: u8,
}

impl Prefix {
    /// An IPv4 prefix (`len` ≤ 32), or None.
    #[inline(always)]
    pub fn v4(addr: [u8; 4], len: u8) -> Option<Prefix> {
        (len <= 32).then(|| Prefix::masked(IpAddr16::from_v4(addr), 96 + len))
    }

    /// An IPv6 prefix (`len` ≤ 128), or None.
    #[inline(always)]
    pub fn v6(addr: [u8; 16], len: u8) -> Option<Prefix> {
        (len <= 128).then(|| Prefix::masked(IpAddr16::from_v6(addr), len))
    }

    /// A prefix over the 128-bit form (`len` ≤ 128), or None.
    #[inline(always)]
    pub fn from_mapped(addr: IpAddr16, len: u8) -> Option<Prefix> {
        (len <= 128).then(|| Prefix::masked(addr, len))
    }

    fn masked(addr: IpAddr16, len: u8) -> Prefix {
        let (hi, lo) = addr.to_words();
        let (mask_hi, mask_lo) = masks(len);
        Prefix {
            addr: IpAddr16::from_words(hi & mask_hi, lo & mask_lo),
            len,
        }
    }

    /// The network address (host bits zero).
    #[inline(always)]
    pub fn addr(self) -> IpAddr16 {
        self.addr
    }

    /// Length over the 128-bit form.
    #[inline(always)]
    pub fn mapped_len(self) -> u8 {
        self.len
    }

    /// True when `ip` lies inside the prefix.
    #[inline(always)]
    pub fn contains(self, ip: IpAddr16) -> bool {
        let (hi, lo) = ip.to_words();
        let (net_hi, net_lo) = self.addr.to_words();
        contains_words(net_hi, net_lo, self.len, hi, lo)
    }
}

/// The (high, low) masks of a prefix length over 128 bits (lengths above 128 act as 128).
#[inline(always)]
pub fn masks(len: u8) -> (u64, u64) {
    let len = u32::from(len.min(128));
    let mask = |bits: u32| -> u64 {
        match bits {
            0 => 0,
            64.. => u64::MAX,
            n => u64::MAX << (64 - n),
        }
    };
    (mask(len), mask(len.saturating_sub(64)))
}

/// Prefix test on the word form, shared by `Prefix::contains` and the stored config.
#[inline(always)]
pub fn contains_words(net_hi: u64, net_lo: u64, len: u8, hi: u64, lo: u64) -> bool {
    let (mask_hi, mask_lo) = masks(len);
    hi & mask_hi == net_hi && lo & mask_lo == net_lo
}
