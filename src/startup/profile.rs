//! The cold start's CPU by phase, logged once per init: where init time goes,
//! in microseconds of process CPU (all threads), so a regression shows in the
//! function's own log.

use std::fmt::Write;
use std::time::Duration;

use cpu_time::ProcessTime;

/// CPU used so far, phase by phase.
pub struct InitProfile {
    last: Duration,
    phases: Vec<(&'static str, Duration)>,
}

impl InitProfile {
    /// Starts counting; the CPU used before this (runtime start-up, reading the
    /// configuration) is the first phase.
    pub fn start() -> Self {
        let now = ProcessTime::now().as_duration();
        InitProfile {
            last: now,
            phases: vec![("start+config", now)],
        }
    }

    /// Closes `phase`: the CPU used since the previous mark.
    pub fn mark(&mut self, phase: &'static str) {
        let now = ProcessTime::now().as_duration();
        self.phases.push((phase, now.saturating_sub(self.last)));
        self.last = now;
    }

    /// One log line: INFO inside Lambda, DEBUG on the command line.
    pub fn log(&self, in_lambda: bool) {
        let mut phases = String::new();
        for (name, cpu) in &self.phases {
            let _ = write!(
                phases,
                "{}{name} {}",
                if phases.is_empty() { "" } else { ", " },
                cpu.as_micros()
            );
        }
        let total_us = self.last.as_micros() as u64;
        if in_lambda {
            tracing::info!(total_us, phases_us = %phases, "init CPU by phase");
        } else {
            tracing::debug!(total_us, phases_us = %phases, "init CPU by phase");
        }
    }
}
