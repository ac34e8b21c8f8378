//! The authenticated agent/RMN wire protocol.
