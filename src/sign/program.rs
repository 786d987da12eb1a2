//! Running the signing programs.

use std::io::Write;
use std::process::{Command, Stdio};

use super::SignError;

/// What a program printed and how it ended.
pub(crate) struct Ran {
    pub success: bool,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// Runs `program args` with `stdin` fed in; fails only when it cannot be started.
pub(crate) fn run(program: &str, args: &[&str], stdin: &[u8]) -> Result<Ran, SignError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| SignError::ProgramMissing {
            program: program.to_owned(),
            reason: err.to_string(),
        })?;
    let mut input = child.stdin.take().expect("stdin is piped");
    let data = stdin.to_vec();
    // Write on a thread: a program that prints a lot before reading would block us.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let output = child.wait_with_output()?;
    let _ = writer.join();
    Ok(Ran {
        success: output.status.success(),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    })
}
