//! `reunion sim ... | head -1`: an operator command whose reader has gone ends
//! by SIGPIPE, like other Unix tools, instead of panicking with "failed
//! printing to stdout: Broken pipe" (exit code 101).

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};

#[test]
fn sim_into_a_closed_pipe_ends_by_sigpipe_not_panic() {
    let (read_end, write_end) = nix::unistd::pipe().expect("pipe");
    // The reader is gone before the first line is printed: deterministic EPIPE.
    drop(read_end);
    let out = tempfile_dir();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scenarios/group-vs-lone.toml"
    );
    let status = Command::new(env!("CARGO_BIN_EXE_reunion"))
        .args(["sim", scenario, "--no-plots", "--out"])
        .arg(&out)
        .stdout(Stdio::from(write_end))
        .stderr(Stdio::null())
        .status()
        .expect("run reunion");
    let _ = std::fs::remove_dir_all(&out);
    assert_eq!(
        status.signal(),
        Some(nix::libc::SIGPIPE),
        "expected death by SIGPIPE, got {status:?} (101 is a panic)"
    );
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("reunion-closed-stdout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
