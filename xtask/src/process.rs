//! Running commands: short ones inline (they share our terminal, so Ctrl-C reaches them), long
//! ones (wrangler, the fake upstream) in their own process group, so that xtask — and only
//! xtask — stops them and everything they spawned (wrangler starts workerd) on exit, on error,
//! on panic and on Ctrl-C.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, IoContext, Result};

/// Process-group ids of every background service still running.
static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// The command as a copy-pasteable line (program and arguments; env omitted).
pub(crate) fn display(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        let arg = mask_secret(&arg.to_string_lossy());
        if arg.is_empty() || arg.contains([' ', '"', '\'']) {
            line.push_str(&format!(" '{arg}'"));
        } else {
            line.push(' ');
            line.push_str(&arg);
        }
    }
    line
}

/// `--var NAME:value` arguments whose name says secret or key print as `NAME:***`: even
/// throwaway test secrets stay out of logs.
fn mask_secret(arg: &str) -> String {
    match arg.split_once(':') {
        Some((name, _))
            if !name.is_empty()
                && name.chars().all(|c| c.is_ascii_uppercase() || c == '_')
                && (name.contains("SECRET") || name.contains("KEY")) =>
        {
            format!("{name}:***")
        }
        _ => arg.to_owned(),
    }
}

fn check(cmd: &Command, status: std::io::Result<ExitStatus>) -> Result<()> {
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(Error::Command {
            command: display(cmd),
            reason: status.to_string(),
        }),
        Err(err) => Err(Error::Command {
            command: display(cmd),
            reason: err.to_string(),
        }),
    }
}

/// Runs a command with inherited stdio, echoing it first.
pub(crate) fn run(cmd: &mut Command) -> Result<()> {
    println!("$ {}", display(cmd));
    let status = cmd.status();
    check(cmd, status)
}

/// Runs a command and returns its stdout (stderr passes through).
pub(crate) fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.stderr(Stdio::inherit()).output();
    match out {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        Ok(out) => Err(Error::Command {
            command: display(cmd),
            reason: out.status.to_string(),
        }),
        Err(err) => Err(Error::Command {
            command: display(cmd),
            reason: err.to_string(),
        }),
    }
}

/// Runs a command, echoing its stdout live while keeping a copy; returns success and the copy.
pub(crate) fn run_teed(cmd: &mut Command) -> Result<(bool, String)> {
    println!("$ {}", display(cmd));
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|err| Error::Command {
            command: display(cmd),
            reason: err.to_string(),
        })?;
    let mut copy = String::new();
    if let Some(stdout) = child.stdout.take() {
        let mut out = std::io::stdout();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = writeln!(out, "{line}");
            copy.push_str(&line);
            copy.push('\n');
        }
    }
    let status = child
        .wait()
        .context(|| format!("waiting for {}", display(cmd)))?;
    Ok((status.success(), copy))
}

/// Stops every registered process group (TERM, then KILL after a grace period).
fn stop_groups(groups: &[u32]) {
    for pgid in groups {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{pgid}")])
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    for pgid in groups {
        while Instant::now() < deadline && group_alive(*pgid) {
            std::thread::sleep(Duration::from_millis(50));
        }
        if group_alive(*pgid) {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pgid}")])
                .status();
        }
    }
}

fn group_alive(pgid: u32) -> bool {
    Command::new("kill")
        .args(["-0", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Makes Ctrl-C (and SIGTERM/SIGHUP) stop every background service before exiting.
pub(crate) fn install_interrupt_handler() {
    let result = ctrlc::set_handler(|| {
        let groups = GROUPS
            .lock()
            .map(|groups| groups.clone())
            .unwrap_or_default();
        if !groups.is_empty() {
            eprintln!("\nstopping {} background process group(s)…", groups.len());
            stop_groups(&groups);
        }
        std::process::exit(130);
    });
    if let Err(err) = result {
        eprintln!("warning: cannot install the Ctrl-C handler: {err}");
    }
}

/// A long-running child in its own process group, output to a log file. Dropping it stops the
/// whole group.
#[derive(Debug)]
pub(crate) struct Service {
    name: String,
    child: Child,
    log: Option<PathBuf>,
}

impl Service {
    /// Starts `cmd` in a new process group with stdout+stderr written to `log`, or to our
    /// own terminal when `log` is `None`.
    pub(crate) fn start(name: &str, cmd: &mut Command, log: Option<&Path>) -> Result<Self> {
        match log {
            Some(log) => {
                let file = File::create(log).context(|| format!("creating {}", log.display()))?;
                let err_file = file
                    .try_clone()
                    .context(|| format!("opening {}", log.display()))?;
                cmd.stdout(file).stderr(err_file);
                println!("$ {}  (log: {})", display(cmd), log.display());
            }
            None => println!("$ {}", display(cmd)),
        }
        // Register under the lock so a Ctrl-C between spawn and push cannot miss the group.
        let mut groups = GROUPS
            .lock()
            .map_err(|_| Error::Other("process registry poisoned".into()))?;
        let child = cmd
            .process_group(0)
            .stdin(Stdio::null())
            .spawn()
            .map_err(|err| Error::Command {
                command: display(cmd),
                reason: err.to_string(),
            })?;
        groups.push(child.id());
        Ok(Self {
            name: name.to_owned(),
            child,
            log: log.map(Path::to_path_buf),
        })
    }

    /// The process id, which is also its process group's id (services lead their group).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The log file, if output goes to one.
    pub(crate) fn log(&self) -> Option<&Path> {
        self.log.as_deref()
    }

    /// The last lines of the log (empty when output goes to the terminal).
    pub(crate) fn log_tail(&self, lines: usize) -> String {
        self.log
            .as_deref()
            .map(|log| tail(log, lines))
            .unwrap_or_default()
    }

    /// `Some(status)` when the process has already exited.
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Fails if the process has exited; used while waiting for it to become ready.
    pub(crate) fn ensure_running(&mut self) -> Result<()> {
        match self.exited() {
            Some(status) => Err(Error::Other(format!(
                "{} exited early ({status}); last log lines:\n{}",
                self.name,
                self.log_tail(40)
            ))),
            None => Ok(()),
        }
    }

    /// Waits until the process exits by itself (used by `dev`, which runs until Ctrl-C).
    pub(crate) fn wait(&mut self) -> Result<ExitStatus> {
        self.child
            .wait()
            .context(|| format!("waiting for {}", self.name))
    }

    /// Stops the process group now.
    pub(crate) fn stop(&mut self) {
        let pgid = self.child.id();
        if let Ok(mut groups) = GROUPS.lock() {
            groups.retain(|group| *group != pgid);
        }
        stop_groups(&[pgid]);
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The last `lines` lines of a log file.
pub(crate) fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_when_commands_are_echoed() {
        let mut cmd = Command::new("wrangler");
        cmd.args([
            "--var",
            "MASTER_SECRET:abc",
            "--var",
            "AI_API_KEY:sk-1",
            "--var",
            "AI_BASE_URL:http://x:1/v1",
        ]);
        assert_eq!(
            display(&cmd),
            "wrangler --var MASTER_SECRET:*** --var AI_API_KEY:*** --var AI_BASE_URL:http://x:1/v1"
        );
    }
}
