//! What building SendGrid's request costs per event, without network: the
//! v3 Mail Send JSON body for a rendered email, serialized.
//!
//! `cargo bench -p switchboard-providers --bench sendgrid`; the figure goes in
//! docs/performance.md beside the pipeline's stages.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use switchboard_providers::services::sendgrid::SendGridConfig;
use switchboard_providers::testing::conformance;
use switchboard_providers::{BuildContext, Message, Service};

fn benches(c: &mut Criterion) {
    let sendgrid = SendGridConfig::new("SG.bench")
        .provider("sendgrid", &BuildContext::default())
        .unwrap();
    let Message::Email(email) =
        conformance::sample_email("jane.doe@example.com", "Acme <no-reply@acme.test>")
    else {
        unreachable!("a sample email")
    };
    c.bench_function("6a build SendGrid JSON body", |b| {
        b.iter(|| {
            let body = sendgrid
                .backend()
                .request_body(black_box(&email), None)
                .unwrap();
            serde_json::to_vec(&body).unwrap()
        })
    });
}

criterion_group! {
    name = requests;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = benches
}
criterion_main!(requests);
