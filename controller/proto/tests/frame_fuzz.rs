//! Bounded fuzzing of frame decoding with proptest (cargo-fuzz needs a nightly
//! toolchain, which this project does not have).

use proptest::prelude::*;
use reunion_proto::frame::{open_frame, seal_frame};
use reunion_proto::{AgentMessage, FrameReader, RmnMessage};

const KEY: [u8; 32] = [9; 32];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes never panic the decoder and are never accepted: a random
    /// 256-bit tag matches with probability 2^-256.
    #[test]
    fn arbitrary_bytes_are_rejected_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(open_frame(&KEY, 0, 1024, &bytes).is_err());
        let mut reader = FrameReader::new(bytes.as_slice(), KEY, 0, 1024);
        prop_assert!(reader.recv::<AgentMessage>().is_err());
    }

    /// Authentic frames around arbitrary payloads never panic bincode either.
    #[test]
    fn authentic_arbitrary_payloads_decode_or_error(payload in proptest::collection::vec(any::<u8>(), 0..512)) {
        let frame = seal_frame(&KEY, 0, &payload).expect("seal");
        let mut reader = FrameReader::new(frame.as_slice(), KEY, 0, 4096);
        let _ = reader.recv::<RmnMessage>();
        let mut reader = FrameReader::new(frame.as_slice(), KEY, 0, 4096);
        let _ = reader.recv::<AgentMessage>();
    }

    /// Every sealed payload opens to itself.
    #[test]
    fn seal_then_open_round_trips(payload in proptest::collection::vec(any::<u8>(), 0..512), seq in any::<u64>()) {
        let frame = seal_frame(&KEY, seq, &payload).expect("seal");
        let (opened, used) = open_frame(&KEY, seq, 4096, &frame).expect("open");
        prop_assert_eq!(opened, payload.as_slice());
        prop_assert_eq!(used, frame.len());
    }

    /// Flipping any single bit of a frame makes it fail.
    #[test]
    fn any_bit_flip_is_detected(payload in proptest::collection::vec(any::<u8>(), 0..64), bit in any::<prop::sample::Index>()) {
        let mut frame = seal_frame(&KEY, 0, &payload).expect("seal");
        let bit = bit.index(frame.len() * 8);
        frame[bit / 8] ^= 1 << (bit % 8);
        prop_assert!(open_frame(&KEY, 0, 4096, &frame).is_err());
    }
}
