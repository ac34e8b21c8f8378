//! Cost of carrying one migration-stream chunk through the authenticated
//! protocol: what `reunion migrate-transport` and the destination agent do per
//! `STREAM_CHUNK` of `xl migrate`'s stream (encode, seal with HMAC-SHA-256,
//! open, decode). `cargo bench -p reunion-proto --bench stream_chunk`; the
//! figures are in docs/benchmarks.md.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use reunion_proto::message::STREAM_CHUNK;
use reunion_proto::{FrameReader, FrameWriter, StreamMessage};

const KEY: [u8; 32] = [7; 32];

fn chunk_round_trip(c: &mut Criterion) {
    let data: Vec<u8> = (0..STREAM_CHUNK).map(|i| (i * 31 % 251) as u8).collect();
    let mut group = c.benchmark_group("stream_chunk");
    group.throughput(Throughput::Bytes(STREAM_CHUNK as u64));
    group.bench_function("send_recv_64KiB", |b| {
        b.iter(|| {
            let mut writer = FrameWriter::new(Vec::with_capacity(STREAM_CHUNK + 128), KEY, 0);
            writer
                .send(&StreamMessage::Data(black_box(&data).clone()))
                .expect("send");
            let wire = writer.get_ref().clone();
            let mut reader = FrameReader::new(Cursor::new(wire), KEY, 0, 1 << 20);
            match reader.recv::<StreamMessage>().expect("recv") {
                StreamMessage::Data(bytes) => black_box(bytes.len()),
                StreamMessage::End => 0,
            }
        })
    });
    group.finish();
}

criterion_group!(benches, chunk_round_trip);
criterion_main!(benches);
