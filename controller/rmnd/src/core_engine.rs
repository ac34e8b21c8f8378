//! The real [`DecisionEngine`]: the pure RMN core.

use reunion_model::{ActionResult, HostReport, RmnConfig};
use reunion_rmn::Rmn;

use crate::engine::{DecisionEngine, EngineRound};
use crate::RmndError;

/// [`reunion_rmn::Rmn`] as the daemon's engine.
#[derive(Debug)]
pub struct CoreEngine(Rmn);

impl CoreEngine {
    /// A core with the daemon's `[rmn]` configuration.
    pub fn new(config: RmnConfig) -> Result<Self, RmndError> {
        Rmn::new(config)
            .map(CoreEngine)
            .map_err(|e| RmndError::Engine(e.to_string()))
    }
}

impl DecisionEngine for CoreEngine {
    fn ingest(&mut self, now_ms: u64, report: HostReport) -> Result<(), String> {
        self.0
            .ingest(now_ms, report)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn decide(&mut self, now_ms: u64) -> EngineRound {
        let round = self.0.decide(now_ms);
        for expired in &round.expired {
            tracing::warn!(id = %expired.id, "RMN core: action expired without a result");
        }
        EngineRound {
            round: round.round,
            actions: round.actions,
            records: round.records,
        }
    }

    fn action_result(&mut self, now_ms: u64, result: &ActionResult) -> Result<(), String> {
        self.0
            .action_result(now_ms, result)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
