//! CPU burner with a settable duty cycle.

use crate::args::Args;
use std::time::{Duration, Instant};

pub fn run(argv: &[String]) -> Result<(), String> {
    let a = Args::parse(argv, &[])?;
    let duty: u32 = a.get("duty", 100)?;
    if duty > 100 {
        return Err(format!("--duty {duty}: must be 0..=100"));
    }
    let period = Duration::from_millis(a.get("period-ms", 100u64)?.max(1));
    let seconds: u64 = a.get("seconds", 0)?;
    let busy = period * duty / 100;
    let start = Instant::now();
    let mut spins: u64 = 0;
    loop {
        if seconds > 0 && start.elapsed() >= Duration::from_secs(seconds) {
            break;
        }
        let slot = Instant::now();
        while slot.elapsed() < busy {
            spins = std::hint::black_box(spins.wrapping_add(1));
        }
        let rest = period.saturating_sub(slot.elapsed());
        if !rest.is_zero() {
            std::thread::sleep(rest);
        }
    }
    println!("burned duty={duty} seconds={}", start.elapsed().as_secs());
    Ok(())
}
