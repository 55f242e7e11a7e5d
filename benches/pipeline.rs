//! Per-event CPU cost, stage by stage, without network: parse the event, decrypt a
//! Cognito-format code (suite 0x0378, so the ECDSA P-384 verification is included,
//! with the local development keyring), route, render email and SMS, build the
//! MIME message — and the whole handler with an in-memory sender. (SendGrid's
//! JSON body: `providers/benches/sendgrid.rs`.)
//!
//! `cargo bench --bench pipeline`; figures go in the README.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use switchboard::cli::examples::EVENTS;
use switchboard::cognito::decrypt::{Decryptor, EsdkDecryptor};
use switchboard::cognito::event::{parse_custom_sender, TriggerSource};
use switchboard::cognito::mint::CodeMinter;
use switchboard::providers::{Channel, EmailMessage, MessageContext, ScriptedSender, Sender};
use switchboard::render::{AppVars, Renderer, TemplateVars};
use switchboard::startup::senders::Senders;
use switchboard::startup::{self, Runtime, StartupOptions};

fn event_json(name: &str) -> &'static str {
    EVENTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, json)| *json)
        .expect("example exists")
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let email_json = event_json("CustomEmailSender_ForgotPassword");
    let sms_json = event_json("CustomSMSSender_Authentication");
    let event = parse_custom_sender(email_json.as_bytes()).unwrap();
    let code = rt.block_on(async {
        CodeMinter::insecure_dev_key()
            .await
            .unwrap()
            .mint("491305", &event.user_pool_id)
            .await
            .unwrap()
    });
    let decryptor = rt.block_on(EsdkDecryptor::insecure_dev_key()).unwrap();

    c.bench_function("1 parse event", |b| {
        b.iter(|| parse_custom_sender(black_box(email_json.as_bytes())).unwrap())
    });

    c.bench_function("2 decrypt code (0x0378, ECDSA P-384)", |b| {
        b.to_async(&rt).iter(|| async {
            decryptor
                .decrypt(black_box(&code), &event.user_pool_id)
                .await
                .unwrap()
        })
    });

    let memory = Arc::new(ScriptedSender::new(
        "memory",
        &[Channel::Email, Channel::Sms],
    ));
    let mut config = switchboard::config::Config::embedded_defaults().unwrap();
    config.cognito.lookup_missing_recipient = false;
    config.email.providers = vec!["memory".into()];
    config.sms.providers = vec!["memory".into()];
    let mut registry = Senders::new();
    registry.insert("memory".into(), memory.clone() as Arc<dyn Sender>);
    let options = StartupOptions {
        force_insecure_dev_key: true,
        ..StartupOptions::new(Runtime::Local)
    };
    let app = rt
        .block_on(startup::build_with(&config, options, registry))
        .unwrap();
    let source: TriggerSource = "CustomEmailSender_ForgotPassword".parse().unwrap();
    c.bench_function("3 route lookup", |b| {
        b.iter(|| {
            app.routes()
                .get(black_box(&source), Channel::Email)
                .template
                .len()
        })
    });

    let renderer = Renderer::embedded().unwrap();
    let user: HashMap<String, String> = event.request.user_attributes.clone();
    let metadata = HashMap::new();
    let vars = TemplateVars {
        code: "491305",
        username: &event.user_name,
        link_parameter: "",
        user: &user,
        trigger_source: "CustomEmailSender_ForgotPassword",
        user_pool_id: &event.user_pool_id,
        client_id: None,
        client_metadata: &metadata,
        app: AppVars {
            name: "Acme",
            url: "",
            support_url: "",
        },
    };
    c.bench_function("4 render email (subject, HTML, text)", |b| {
        b.iter(|| {
            renderer
                .email("forgot-password", None, black_box(&vars))
                .unwrap()
        })
    });
    c.bench_function("5 render SMS", |b| {
        b.iter(|| {
            renderer
                .sms("authentication", None, black_box(&vars))
                .unwrap()
        })
    });

    let rendered = renderer.email("forgot-password", None, &vars).unwrap();
    let email = EmailMessage {
        to: "jane.doe@example.com".into(),
        from: "Acme <no-reply@acme.test>".into(),
        reply_to: None,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        esp_template: None,
        context: MessageContext {
            trigger_source: "CustomEmailSender_ForgotPassword".into(),
            user_pool_id: event.user_pool_id.clone(),
            event_id: None,
            deadline: None,
        },
    };
    c.bench_function("6b build MIME message (SMTP, outbox)", |b| {
        b.iter(|| switchboard::providers::to_rfc5322(black_box(&email)).unwrap())
    });

    let email_event = {
        let mut e = parse_custom_sender(email_json.as_bytes()).unwrap();
        e.request.code = Some(code.clone());
        e
    };
    let sms_event = parse_custom_sender(sms_json.as_bytes()).unwrap();
    c.bench_function("total: handle email event (in-memory sender)", |b| {
        b.to_async(&rt)
            .iter(|| async { app.handle(black_box(email_event.clone())).await.unwrap() })
    });
    c.bench_function("total: handle SMS event (in-memory sender)", |b| {
        b.to_async(&rt)
            .iter(|| async { app.handle(black_box(sms_event.clone())).await.unwrap() })
    });
}

criterion_group! {
    name = pipeline;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(pipeline);
