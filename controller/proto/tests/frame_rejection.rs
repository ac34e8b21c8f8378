//! Frames that must be refused: oversized, short, forged, replayed, reflected.

use std::io::{self, Read};

use reunion_proto::frame::{open_frame, seal_frame};
use reunion_proto::{FrameReader, ProtoError};

const KEY: [u8; 32] = [3; 32];

/// A reader that fails the test if more than `allowed` bytes are read from it.
struct Budget<'a> {
    data: &'a [u8],
    allowed: usize,
}

impl Read for Budget<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.data.len());
        assert!(n <= self.allowed, "read past the length prefix");
        self.allowed -= n;
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn oversized_frame_is_refused_before_its_body_is_read() {
    let mut wire = (1u32 << 30).to_be_bytes().to_vec();
    wire.extend(std::iter::repeat_n(0u8, 64));
    let mut reader = FrameReader::new(
        Budget {
            data: &wire,
            allowed: 4,
        },
        KEY,
        0,
        1 << 20,
    );
    let err = reader.recv_bytes().expect_err("must refuse");
    assert!(matches!(err, ProtoError::FrameTooLarge { announced, limit }
        if announced == 1 << 30 && limit == 1 << 20));
}

#[test]
fn frame_shorter_than_its_fixed_fields_is_refused() {
    let wire = 10u32.to_be_bytes();
    let err = open_frame(&KEY, 0, 1024, &wire).expect_err("must refuse");
    assert!(matches!(err, ProtoError::FrameTooShort(10)));
}

#[test]
fn tampered_payload_fails_the_mac() {
    let mut frame = seal_frame(&KEY, 0, b"migrate vm1").expect("seal");
    frame[14] ^= 0x01;
    assert!(matches!(
        open_frame(&KEY, 0, 1024, &frame),
        Err(ProtoError::BadMac)
    ));
}

#[test]
fn tampered_sequence_number_fails_the_mac() {
    let mut frame = seal_frame(&KEY, 0, b"x").expect("seal");
    frame[11] = 1;
    assert!(matches!(
        open_frame(&KEY, 1, 1024, &frame),
        Err(ProtoError::BadMac)
    ));
}

#[test]
fn wrong_key_fails_the_mac() {
    let frame = seal_frame(&[4; 32], 0, b"x").expect("seal");
    assert!(matches!(
        open_frame(&KEY, 0, 1024, &frame),
        Err(ProtoError::BadMac)
    ));
}

#[test]
fn replayed_frame_is_refused() {
    let frame = seal_frame(&KEY, 0, b"migrate vm1").expect("seal");
    let mut wire = frame.clone();
    wire.extend_from_slice(&frame);
    let mut reader = FrameReader::new(wire.as_slice(), KEY, 0, 1024);
    assert_eq!(reader.recv_bytes().expect("first"), b"migrate vm1");
    assert!(matches!(
        reader.recv_bytes(),
        Err(ProtoError::BadSequence {
            got: 0,
            expected: 1
        })
    ));
}

#[test]
fn skipped_sequence_number_is_refused() {
    let frame = seal_frame(&KEY, 7, b"x").expect("seal");
    assert!(matches!(
        open_frame(&KEY, 6, 1024, &frame),
        Err(ProtoError::BadSequence {
            got: 7,
            expected: 6
        })
    ));
}

#[test]
fn authentic_garbage_payload_is_a_decode_error_not_a_panic() {
    let frame = seal_frame(&KEY, 0, &[0xff; 16]).expect("seal");
    let mut reader = FrameReader::new(frame.as_slice(), KEY, 0, 1024);
    assert!(matches!(
        reader.recv::<reunion_proto::AgentMessage>(),
        Err(ProtoError::Decode(_))
    ));
}
