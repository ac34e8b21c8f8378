//! Running external commands: argument vectors only, a timeout, stderr kept.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::AgentError;

/// What a finished command produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

/// Longest stderr kept in an error (the tail is the interesting part).
const STDERR_KEEP: usize = 4096;

fn tail(text: &str) -> &str {
    if text.len() <= STDERR_KEEP {
        return text;
    }
    let mut start = text.len() - STDERR_KEEP;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Runs `argv` (no shell) with `env` added, waits at most `timeout`, and returns
/// its output if it exited with status 0. On a non-zero status, a timeout or a
/// spawn failure, the error carries stderr.
///
/// The child leads its own process group, and a timeout kills the whole group:
/// `xl migrate` runs its transport as a child, which holds the stderr pipe
/// open, so killing `xl` alone left this function waiting for that pipe
/// forever.
pub fn run(
    argv: &[String],
    env: &[(String, String)],
    timeout: Duration,
) -> Result<CommandOutput, AgentError> {
    let display = argv.join(" ");
    let Some((program, args)) = argv.split_first() else {
        return Err(AgentError::Command {
            command: display,
            reason: "empty command".into(),
        });
    };
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| AgentError::Command {
            command: display.clone(),
            reason: format!("cannot start: {e}"),
        })?;
    let stdout_pipe = child.stdout.take();
    let stderr_pipe = child.stderr.take();
    // Drain both pipes in threads so a chatty child cannot block on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout_thread = drain(stdout_pipe.map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr_thread = drain(stderr_pipe.map(|p| Box::new(p) as Box<dyn Read + Send>));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            kill_group(&mut child);
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout_thread.join().unwrap_or_default();
    let stderr = stderr_thread.join().unwrap_or_default();
    match status {
        None => Err(AgentError::Command {
            command: display,
            reason: format!(
                "timed out after {} s and was killed; stderr: {}",
                timeout.as_secs(),
                tail(stderr.trim())
            ),
        }),
        Some(status) if status.success() => Ok(CommandOutput { stdout, stderr }),
        Some(status) => Err(AgentError::Command {
            command: display,
            reason: format!("{status}; stderr: {}", tail(stderr.trim())),
        }),
    }
}

/// Kills `child`'s process group (it leads one, see [`run`]) and reaps it.
fn kill_group(child: &mut std::process::Child) {
    let group = i32::try_from(child.id()).map(nix::unistd::Pid::from_raw);
    match group {
        Ok(group) => {
            if let Err(e) = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL) {
                tracing::warn!("killing process group {group}: {e}");
                let _ = child.kill();
            }
        }
        Err(_) => {
            let _ = child.kill();
        }
    }
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn captures_stdout_of_a_successful_command() {
        let out = run(&argv(&["echo", "a b"]), &[], Duration::from_secs(5)).expect("echo");
        assert_eq!(out.stdout, "a b\n");
    }

    #[test]
    fn arguments_are_not_interpreted_by_a_shell() {
        let out = run(
            &argv(&["echo", "$(id); rm -rf /"]),
            &[],
            Duration::from_secs(5),
        )
        .expect("echo");
        assert_eq!(out.stdout, "$(id); rm -rf /\n");
    }

    #[test]
    fn failure_carries_stderr() {
        let err = run(
            &argv(&["sh", "-c", "echo boom >&2; exit 3"]),
            &[],
            Duration::from_secs(5),
        )
        .expect_err("must fail");
        let text = err.to_string();
        assert!(text.contains("boom") && text.contains("3"), "{text}");
    }

    #[test]
    fn timeout_kills_the_child() {
        let err = run(&argv(&["sleep", "30"]), &[], Duration::from_millis(200))
            .expect_err("must time out");
        assert!(err.to_string().contains("timed out"));
    }

    #[test]
    fn timeout_kills_grandchildren_that_hold_the_pipes() {
        // Like `xl migrate` and its transport: the grandchild keeps stderr open.
        // Killed with its group, it never gets to mark that it finished; left
        // alive, `run` would wait for its pipe and it would finish.
        let marker =
            std::env::temp_dir().join(format!("reunion-grandchild-{}", std::process::id()));
        let _ = std::fs::remove_file(&marker);
        let script = format!("(sleep 3; touch {}) & sleep 30", marker.display());
        let err = run(
            &argv(&["sh", "-c", &script]),
            &[],
            Duration::from_millis(300),
        )
        .expect_err("must time out");
        assert!(err.to_string().contains("timed out"), "{err}");
        assert!(!marker.exists(), "the grandchild outlived the timeout");
    }

    #[test]
    fn missing_program_is_a_clear_error() {
        let err =
            run(&argv(&["/nonexistent/xl"]), &[], Duration::from_secs(1)).expect_err("must fail");
        assert!(err.to_string().contains("cannot start"));
    }

    #[test]
    fn environment_is_passed() {
        let out = run(
            &argv(&["sh", "-c", "echo $REUNION_TEST"]),
            &[("REUNION_TEST".into(), "42".into())],
            Duration::from_secs(5),
        )
        .expect("sh");
        assert_eq!(out.stdout.trim(), "42");
    }
}
