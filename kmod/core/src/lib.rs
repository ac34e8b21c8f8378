#![no_std]
//! The idcstat per-packet core: classification, peer tables and counters (no_std, allocation-free; built by Kbuild and on the host).
