#!/usr/bin/env python3
"""Where a warm Switchboard process spends its CPU, from a `perf` profile.

Reads `perf script -F comm,tid,ip,sym` output (DWARF call graphs) on stdin and counts
each sample of the function's threads once, in the first bucket its stack touches
(top to bottom), then prints the shares and a few cross-cutting costs. The figures
in docs/performance.md ("The process's CPU per warm event") come from:

    # a release build that keeps symbols and line tables
    CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release
    # a long warm run without a quota, over TLS, profiled for 15 s once it is warm
    python scripts/perf/bench_share.py --switchboard BIN --memory 1769 --cold-runs 1 --events 6000 --tls --out /tmp/p.json &
    sleep 6; perf record -a --call-graph dwarf,16384 -F 499 -o warm.perf -- sleep 15
    perf script -i warm.perf --comm tokio-rt-worker,switchboard -F comm,tid,ip,sym | scripts/perf/perf_buckets.py

(`perf` shortens the main thread's name to 15 characters: pass what `perf report
--sort comm` shows.)
"""
import collections
import sys

BUCKETS = [
    ("ECDSA P-384 verify of the message signature", ["VerifySignature"]),
    ("KMS Decrypt through the SDK (orchestrator, SigV4, JSON, hyper, TLS)",
     ["DecryptFluentBuilder", "aws_smithy", "aws_sigv4", "aws_sdk_kms"]),
    ("the Encryption SDK's other work (Dafny runtime, keyring, HKDF, AES-GCM)", ["aws_esdk", "dafny_runtime"]),
    ("SendGrid request (reqwest, hyper, TLS)", ["SendGrid", "reqwest"]),
    ("rendering (minijinja)", ["minijinja"]),
    ("Lambda Runtime API client", ["lambda_runtime"]),
    ("the rest of our pipeline", ["switchboard"]),
    ("TLS records elsewhere", ["rustls"]),
    ("tokio scheduling and wake-ups", ["tokio::runtime", "futex", "epoll"]),
]
ACROSS = [
    ("malloc/free", ["malloc", "_int_free", "cfree", "unlink_chunk", "consolidate"]),
    ("serde_json", ["serde_json"]),
    ("SipHash", ["sip::", "Hasher"]),
    ("memmove/memcpy", ["memmove", "memcpy"]),
    ("SigV4", ["aws_sigv4"]),
    ("smithy interceptors", ["interceptor"]),
    ("Dafny Sequence", ["dafny_runtime::Sequence"]),
]


def samples(lines):
    """Yield each sample's stack (innermost frame first) as a list of symbols."""
    stack = None
    for line in lines:
        if not line.strip():
            continue
        if not line.startswith("\t") and not line.startswith("        "):
            if stack:
                yield stack
            stack = []  # a header line: comm and tid
            continue
        parts = line.strip().split(None, 1)
        if stack is not None:
            stack.append(parts[1] if len(parts) > 1 else parts[0])
    if stack:
        yield stack


def main():
    stacks = list(samples(sys.stdin))
    if not stacks:
        sys.exit("no samples on stdin: pipe `perf script -F comm,tid,ip,sym` of a profile with call graphs")
    counts = collections.Counter()
    for stack in stacks:
        joined = "\n".join(stack)
        name = next((n for n, keys in BUCKETS if any(k in joined for k in keys)), "other")
        counts[name] += 1
    total = len(stacks)
    for name, _ in BUCKETS + [("other", None)]:
        print(f"{100 * counts[name] / total:5.1f} %  {name}")
    print(f"samples: {total}\nacross the buckets:")
    for name, keys in ACROSS:
        hits = sum(1 for s in stacks if any(any(k in f for k in keys) for f in s))
        print(f"{100 * hits / total:5.1f} %  {name}")


if __name__ == "__main__":
    main()
