//! Userspace generic netlink client for the idcstat kernel module.
