//! A discrete-time Xen cluster simulator that drives the RMN core.
