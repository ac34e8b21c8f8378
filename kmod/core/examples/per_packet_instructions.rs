//! Runs `count_frame_cached` (the kernel hook's entry; `uncached` as the second
//! argument: `account_frame`) on the forwarding benchmark's two crossings, so that a tool that
//! counts instructions can give the core's per-packet cost without booting a kernel:
//!
//! ```text
//! cargo build --release -p idcstat-core --example per_packet_instructions
//! for n in 0 100000; do valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     $CARGO_TARGET_DIR/release/examples/per_packet_instructions $n 2>&1 | grep refs; done
//! ```
//!
//! (total instructions at 100000 minus at 0, divided by 100000, is the cost of one
//! guest→guest packet: the sender's Tx crossing plus the receiver's Rx crossing.)
//! The state is the benchmark's after its first packets: both vifs named by the
//! fallback, the sender's MAC and address learned, no cluster prefixes configured.

use std::hint::black_box;
use std::sync::atomic::AtomicU64;

use idcstat_core::classify::Direction;
use idcstat_core::engine::IdcstatCore;
use idcstat_core::geometry::Geometry;

const SENDER_IFINDEX: u32 = 5;
const RECEIVER_IFINDEX: u32 = 6;

fn udp_frame(dst: [u8; 6], src: [u8; 6], src_ip: [u8; 4], dst_ip: [u8; 4]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 92, 0, 0, 0x40, 0, 64, 17, 0, 0]);
    f.extend_from_slice(&src_ip);
    f.extend_from_slice(&dst_ip);
    f.resize(106, 0);
    f
}

fn main() {
    let packets: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let geometry = Geometry {
        shards: 1,
        nr_cpus: 1,
        ..Geometry::default()
    };
    let words: Vec<AtomicU64> = (0..IdcstatCore::required_words(&geometry).expect("geometry"))
        .map(|_| AtomicU64::new(0))
        .collect();
    let core = IdcstatCore::new(geometry, &words).expect("core");
    core.vif_appeared(SENDER_IFINDEX, b"vif1.0")
        .expect("vif1.0");
    core.vif_appeared(RECEIVER_IFINDEX, b"vif2.0")
        .expect("vif2.0");
    let frame = udp_frame(
        [2, 0, 0, 0, 0, 2],
        [2, 0, 0, 0, 0, 1],
        [10, 1, 0, 1],
        [10, 1, 0, 2],
    );
    let len = frame.len() as u32;
    // Learn the sender (its first packets), then measure.
    core.account_frame(SENDER_IFINDEX, Direction::Tx, 0, &frame, len);
    let cached = std::env::args().nth(2).as_deref() != Some("uncached");
    for _ in 0..packets {
        if cached {
            // What the kernel's hook calls: the outcome is not used.
            core.count_frame_cached(SENDER_IFINDEX, Direction::Tx, 0, black_box(&frame), len);
            core.count_frame_cached(RECEIVER_IFINDEX, Direction::Rx, 0, black_box(&frame), len);
        } else {
            black_box(core.account_frame(SENDER_IFINDEX, Direction::Tx, 0, black_box(&frame), len));
            black_box(core.account_frame(
                RECEIVER_IFINDEX,
                Direction::Rx,
                0,
                black_box(&frame),
                len,
            ));
        }
    }
}
