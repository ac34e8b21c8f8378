//! Golden bytes of the frame layout: a change to the wire format must show up here.

use reunion_proto::frame::{open_frame, seal_frame};
use reunion_proto::{FrameReader, FrameWriter, StreamMessage};

const KEY: [u8; 32] = [1; 32];

/// `len=42 | seq=5 | "hi" | HMAC-SHA256(0x01 x 32, len|seq|"hi")`, the tag
/// computed independently with Python's `hmac` module.
const GOLDEN: &str = "0000002a0000000000000005\
                      6869\
                      696978898b0b6fe3ab04565d8efee6ff341c6dd5c9e4c05c73ce7794f3ec1714";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn seal_produces_the_golden_bytes() {
    let frame = seal_frame(&KEY, 5, b"hi").expect("seal");
    assert_eq!(hex(&frame), GOLDEN.replace(' ', ""));
}

#[test]
fn open_accepts_the_golden_bytes() {
    let frame = seal_frame(&KEY, 5, b"hi").expect("seal");
    let (payload, used) = open_frame(&KEY, 5, 1024, &frame).expect("open");
    assert_eq!(payload, b"hi");
    assert_eq!(used, frame.len());
}

#[test]
fn bincode_payload_layout_is_stable() {
    // StreamMessage::Data is variant 0, then a varint length and the bytes.
    let mut wire = Vec::new();
    FrameWriter::new(&mut wire, KEY, 0)
        .send(&StreamMessage::Data(vec![0xaa, 0xbb]))
        .expect("send");
    assert_eq!(&wire[..4], &(8 + 4 + 32u32).to_be_bytes());
    assert_eq!(&wire[12..16], &[0x00, 0x02, 0xaa, 0xbb]);
    let mut reader = FrameReader::new(wire.as_slice(), KEY, 0, 1024);
    assert_eq!(
        reader.recv::<StreamMessage>().expect("recv"),
        StreamMessage::Data(vec![0xaa, 0xbb])
    );
}

#[test]
fn sequence_numbers_increase_per_frame() {
    let mut wire = Vec::new();
    let mut writer = FrameWriter::new(&mut wire, KEY, 0);
    for payload in [&b"a"[..], b"bb", b""] {
        writer.send_bytes(payload).expect("send");
    }
    let mut reader = FrameReader::new(wire.as_slice(), KEY, 0, 1024);
    assert_eq!(reader.recv_bytes().expect("first"), b"a");
    assert_eq!(reader.recv_bytes().expect("second"), b"bb");
    assert_eq!(reader.recv_bytes().expect("third"), b"");
}
