//! A warm event when the chain's first provider hangs: with the circuit breaker
//! off, every event waits out the primary's attempt timeout before the backup;
//! with it on (the default), only the events until the circuit opens do.
//!
//! Conditions: in-process handler, local development keyring, in-memory senders
//! (the primary never answers), `attempt_timeout_ms = 100`, `max_attempts = 1`;
//! beside a healthy primary as the baseline.
//! `cargo bench --bench breaker`; figures go in the README.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use switchboard::cognito::mint::CodeMinter;
use switchboard::providers::{Channel, ScriptedSender, Sender, Step};
use switchboard::startup::senders::Senders;
use switchboard::startup::{self, Runtime, StartupOptions};
use switchboard::App;

const EMAIL: &[Channel] = &[Channel::Email, Channel::Sms];

/// An app whose chain is `primary` (hangs, or delivers) then `backup` (delivers).
async fn app(primary_hangs: bool, breaker_threshold: u32) -> App {
    let mut config = switchboard::config::Config::embedded_defaults().unwrap();
    config.cognito.lookup_missing_recipient = false;
    config.email.providers = vec!["primary".into(), "backup".into()];
    config.sms.providers = vec!["backup".into()];
    config.delivery.attempt_timeout_ms = 100;
    config.delivery.max_attempts = 1;
    config.delivery.breaker.threshold = breaker_threshold;
    let mut registry = Senders::new();
    let primary = match primary_hangs {
        true => ScriptedSender::always("primary", EMAIL, Step::Hang),
        false => ScriptedSender::new("primary", EMAIL),
    };
    registry.insert("primary".into(), Arc::new(primary) as Arc<dyn Sender>);
    registry.insert(
        "backup".into(),
        Arc::new(ScriptedSender::new("backup", EMAIL)) as Arc<dyn Sender>,
    );
    let options = StartupOptions {
        force_insecure_dev_key: true,
        ..StartupOptions::new(Runtime::Local)
    };
    startup::build_with(&config, options, registry)
        .await
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut event = switchboard::testing::example_event("CustomEmailSender_ForgotPassword");
    event.request.code = Some(rt.block_on(async {
        let minter = CodeMinter::insecure_dev_key().await.unwrap();
        minter.mint("491305", &event.user_pool_id).await.unwrap()
    }));
    let cases = [
        ("hanging primary, breaker off", true, 0, "backup"),
        (
            "hanging primary, breaker on (default threshold 3)",
            true,
            3,
            "backup",
        ),
        ("healthy primary (the baseline)", false, 3, "primary"),
    ];
    for (label, hangs, threshold, delivers) in cases {
        let app = rt.block_on(app(hangs, threshold));
        c.bench_function(&format!("warm event, {label}"), |b| {
            b.to_async(&rt).iter(|| async {
                let outcome = app.handle(black_box(event.clone())).await.unwrap();
                assert_eq!(outcome.provider, delivers);
            })
        });
    }
}

criterion_group! {
    name = breaker;
    config = Criterion::default().sample_size(10).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(breaker);
