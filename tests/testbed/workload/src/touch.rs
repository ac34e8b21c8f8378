//! Memory toucher: keeps a working set resident, so a guest smaller than it swaps.

use crate::args::Args;

pub fn run(argv: &[String]) -> Result<(), String> {
    let a = Args::parse(argv, &[])?;
    let mib: usize = a.get("mib", 64)?;
    let passes: u64 = a.get("passes", 0)?;
    let stride: usize = a.get("stride", 4096usize)?.max(1);
    let len = mib
        .checked_mul(1 << 20)
        .ok_or_else(|| format!("--mib {mib} is too large"))?;
    let mut buf: Vec<u8> = Vec::new();
    buf.try_reserve_exact(len)
        .map_err(|e| format!("cannot reserve {mib} MiB: {e}"))?;
    buf.resize(len, 0);
    let mut pass: u64 = 0;
    while passes == 0 || pass < passes {
        let mark = (pass as u8).wrapping_add(1);
        let mut i = 0;
        while i < len {
            buf[i] = mark;
            i += stride;
        }
        std::hint::black_box(&buf);
        pass += 1;
        println!("touched pass={pass} mib={mib}");
    }
    Ok(())
}
