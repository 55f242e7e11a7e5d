//! One Lambda execution environment of the real binary, kept running across
//! invocations and frozen between them as Lambda freezes it (SIGSTOP while it
//! waits for its next event; `peers/lambda_environment.py`): several of them
//! make a fleet that shares one table, as warm Lambda instances do.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{json, Value};

/// A running, frozen-between-invocations environment.
pub struct Environment {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Environment {
    /// Starts `binary` with `env` (over moto's endpoint and credentials) and
    /// waits for its init; panics with the init error when it fails.
    pub fn start(binary: &str, env: &[(&str, String)]) -> Environment {
        let mut child = Command::new(crate::python())
            .arg(crate::peer("lambda_environment.py"))
            .args(["--binary", binary])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(crate::moto::moto().env())
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start lambda_environment.py");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut environment = Environment {
            child,
            stdin,
            stdout,
        };
        let first = environment.read();
        assert_eq!(
            first["ready"], true,
            "the environment did not start: {first}"
        );
        environment
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("read the environment");
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("the environment said {line:?}"))
    }

    /// Hands `event` to the function and returns its answer (the body parsed
    /// as JSON when it is), the process frozen again once it asks for the next.
    pub fn invoke(&mut self, event: &Value) -> Value {
        writeln!(self.stdin, "{}", json!({ "invoke": event })).unwrap();
        self.stdin.flush().unwrap();
        let result = self.read();
        assert_eq!(result["status"], "response", "{result}");
        let body = result["body"].as_str().unwrap_or_default();
        serde_json::from_str(body).unwrap_or_else(|_| json!(body))
    }
}

impl Drop for Environment {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "{}", json!({ "stop": true }));
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}
