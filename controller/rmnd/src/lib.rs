//! The RMN daemon: drives the RMN core, talks to agents, logs decisions, exports metrics.
