//! The RMN core: history, AR(1) hotspot detection and migration policies, as a deterministic state machine.
