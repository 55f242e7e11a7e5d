//! The binary's aws-lc is built without CPU jitter entropy (`.cargo/config.toml`,
//! `AWS_LC_SYS_NO_JITTER_ENTROPY`). With it, each of the two aws-lc copies (0.39
//! under aws-esdk, 0.47 under rustls and the AWS SDKs) spends ~50 ms of CPU on
//! the process's first random number — inside every cold start's first TLS
//! handshake or decryption (docs/performance.md, "Over TLS").

/// A function every jitter-entropy build of aws-lc links, once per copy.
const JITTER_SYMBOL: &[u8] = b"_jent_read_entropy";

/// Release binaries are stripped, so this reads the test build of the same
/// binary: same dependencies, same build-script environment.
#[test]
fn the_binary_is_built_without_aws_lc_cpu_jitter_entropy() {
    let path = env!("CARGO_BIN_EXE_switchboard");
    let binary = std::fs::read(path).unwrap();
    assert!(
        binary.len() > 1_000_000 && binary.windows(6).any(|w| w == b"aws_lc"),
        "{path} does not look like a binary with aws-lc symbols"
    );
    let copies = binary
        .windows(JITTER_SYMBOL.len())
        .filter(|window| *window == JITTER_SYMBOL)
        .count();
    assert_eq!(
        copies, 0,
        "{path} links aws-lc's CPU jitter entropy ({copies} copies): set AWS_LC_SYS_NO_JITTER_ENTROPY=1 in .cargo/config.toml [env] for every build"
    );
}
