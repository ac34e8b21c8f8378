//! Errors of the idcstat client.

/// What can go wrong talking to the idcstat module.
#[derive(Debug, thiserror::Error)]
pub enum IdcstatError {
    /// The generic netlink family is not registered.
    #[error("idcstat module not loaded (generic netlink family \"idcstat\" not found; try `modprobe idcstat`)")]
    ModuleNotLoaded,
    /// The module refused an operation for lack of privilege.
    #[error("permission denied for idcstat {operation} (needs CAP_NET_ADMIN: run as root)")]
    PermissionDenied {
        /// The operation.
        operation: &'static str,
    },
    /// The module returned an error.
    #[error("idcstat {operation} failed: {message} (errno {errno})")]
    Kernel {
        /// The operation.
        operation: &'static str,
        /// Positive errno.
        errno: i32,
        /// The extack message, or the errno's description.
        message: String,
    },
    /// A dump kept changing under us (NLM_F_DUMP_INTR or ENOBUFS on every attempt).
    #[error("idcstat {operation} dump was interrupted {attempts} times in a row; try again")]
    DumpInterrupted {
        /// The operation.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
    },
    /// A message could not be decoded.
    #[error("malformed idcstat message: {0}")]
    Decode(String),
    /// The module speaks another ABI version.
    #[error("idcstat ABI version {found} is not supported (this client speaks {supported})")]
    AbiMismatch {
        /// The module's version.
        found: u32,
        /// Ours.
        supported: u32,
    },
    /// Socket I/O failed.
    #[error("netlink socket: {0}")]
    Io(#[from] std::io::Error),
}

impl From<netlink_packet_core::DecodeError> for IdcstatError {
    fn from(error: netlink_packet_core::DecodeError) -> Self {
        IdcstatError::Decode(error.to_string())
    }
}
