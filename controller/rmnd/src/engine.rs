//! The decision engine behind a trait: the real one is the pure RMN core
//! (`reunion_rmn::Rmn`); tests can script decisions.

use reunion_model::{Action, ActionResult, DecisionRecord, HostReport};

/// One decision round's output.
#[derive(Debug, Clone, Default)]
pub struct EngineRound {
    /// Round number.
    pub round: u64,
    /// Actions to execute (empty in dry-run mode).
    pub actions: Vec<Action>,
    /// Every decision record of the round, for the log.
    pub records: Vec<DecisionRecord>,
}

/// What the daemon needs from the RMN core. `now_ms` is the daemon's clock.
pub trait DecisionEngine: Send {
    /// Takes one host report. An error means the report was refused (logged).
    fn ingest(&mut self, now_ms: u64, report: HostReport) -> Result<(), String>;
    /// Runs one round.
    fn decide(&mut self, now_ms: u64) -> EngineRound;
    /// Tells the core how an action ended.
    fn action_result(&mut self, now_ms: u64, result: &ActionResult) -> Result<(), String>;
}
