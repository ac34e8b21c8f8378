//! The node agent in dom0: profiling engine and migration monitor.
