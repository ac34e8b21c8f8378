#![no_std]
//! The idcstat generic netlink ABI: family, commands, attributes (no_std; shared by the kernel module and userspace).
