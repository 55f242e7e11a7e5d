//! What redaction by value costs: an event's scope (its code's forms, one
//! matcher built, dropped at the end) and one log line searched for every
//! secret the process holds — the work each event adds.
//!
//! `cargo bench -p switchboard-providers --bench redaction`; the figures go in
//! docs/performance.md.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use switchboard_providers::redaction::{redactor, scrub};

/// The outcome line a warm event logs (JSON format, as inside Lambda).
const LOG_LINE: &str = r#"{"level":"INFO","fields":{"message":"event handled","trigger_source":"CustomEmailSender_ForgotPassword","channel":"email","provider":"sendgrid","message_id":"sg-4f8b2c1e5d3a","recipient":"j***@e***.com","attempts":1,"latency_ms":41,"outcome":"Delivered"},"span":{"requestId":"fad91ca0-3a8a-4e57-b4a2-bc8c410af41b","name":"Lambda runtime invoke"}}"#;

fn benches(c: &mut Criterion) {
    for credential in [
        "SG.bench-sendgrid-key-0123456789abcdefghij",
        "key-bench-mailgun-0123456789abcdef",
        "bench-twilio-auth-token-0123456789ab",
        "whsec_YmVuY2gtd2ViaG9vay1zZWNyZXQtMDEyMw==",
        "FwoGZXIvYXdzEBenchSessionTokenOfTheFunction0123456789",
    ] {
        redactor().add_credential(credential);
    }
    c.bench_function("7a event scope: a 6-digit code", |b| {
        b.iter(|| {
            let mut scope = redactor().scope();
            scope.add(black_box("491305"));
        })
    });
    c.bench_function("7b event scope: a temporary password with symbols", |b| {
        b.iter(|| {
            let mut scope = redactor().scope();
            scope.add_all(black_box(&[
                "Xk7#pQ2w&quot;Zr&lt;&amp;&gt;+é",
                "Xk7#pQ2w\"Zr<&>+é",
            ]));
        })
    });
    c.bench_function("7d the forms of a 6-digit code", |b| {
        b.iter(|| switchboard_providers::redaction::forms_of(black_box("491305")).len())
    });
    let mut scope = redactor().scope();
    scope.add("491305");
    c.bench_function(
        "7c scrub the event's log line (5 credentials, 1 code)",
        |b| b.iter(|| scrub(black_box(LOG_LINE)).len()),
    );
    drop(scope);
}

criterion_group!(redaction, benches);
criterion_main!(redaction);
