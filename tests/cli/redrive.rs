//! `scripts/redrive` against moto's SQS and Lambda with the AWS CLI: listing
//! hides nothing (a redrive right after finds every record), a redrive empties
//! the queue of what it delivered, and a record too old for its code to work
//! is shown with its age, skipped and left in the queue.

use std::process::Command;

use serde_json::{json, Value};
// Its own server: moto's data.json, which other tests read, fails once a function exists.
use switchboard_testkit::moto::lambda_moto as moto;

fn aws(args: &[&str]) -> Value {
    moto().aws_cli(args)
}

fn redrive(args: &[&str]) -> String {
    let output = Command::new(switchboard_testkit::repo_root().join("scripts/redrive"))
        .args(args)
        .envs(moto().env())
        .env("SB_REDRIVE_WAIT_SECONDS", "1")
        .output()
        .expect("run scripts/redrive");
    switchboard_testkit::stdout_of(&output);
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Lambda's on-failure record of the example event, as it was `hours_ago`.
fn record(hours_ago: i64) -> String {
    let mut record: Value = serde_json::from_slice(
        &std::fs::read(
            switchboard_testkit::repo_root().join("infra/fixtures/on-failure-record.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let at =
        std::time::SystemTime::now() - std::time::Duration::from_secs((hours_ago * 3600) as u64);
    let secs = at.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    record["timestamp"] = json!(format_timestamp(secs));
    record.to_string()
}

/// `YYYY-MM-DDTHH:MM:SS.000Z` for Unix seconds (civil-from-days, UTC).
fn format_timestamp(secs: i64) -> String {
    let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn messages_in(queue: &str) -> u64 {
    let attributes = aws(&[
        "sqs",
        "get-queue-attributes",
        "--queue-url",
        queue,
        "--attribute-names",
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
    ]);
    let count = |name: &str| {
        attributes["Attributes"][name]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    count("ApproximateNumberOfMessages") + count("ApproximateNumberOfMessagesNotVisible")
}

#[test]
fn listing_hides_nothing_and_a_redrive_skips_records_too_old_to_deliver() {
    switchboard_testkit::require_program("aws", "pip install awscli");
    switchboard_testkit::require_program("jq", "apt-get install jq");
    let queue = aws(&[
        "sqs",
        "create-queue",
        "--queue-name",
        "switchboard-undelivered",
    ])["QueueUrl"]
        .as_str()
        .unwrap()
        .to_string();
    aws(&[
        "iam",
        "create-role",
        "--role-name",
        "switchboard-redrive",
        "--assume-role-policy-document",
        "{}",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("function.zip");
    std::fs::write(&zip, b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0").unwrap();
    aws(&[
        "lambda",
        "create-function",
        "--function-name",
        "switchboard-redrive",
        "--runtime",
        "provided.al2023",
        "--handler",
        "bootstrap",
        "--role",
        "arn:aws:iam::123456789012:role/switchboard-redrive",
        "--zip-file",
        &format!("fileb://{}", zip.display()),
    ]);
    for body in [record(1), record(50)] {
        aws(&[
            "sqs",
            "send-message",
            "--queue-url",
            &queue,
            "--message-body",
            &body,
        ]);
    }

    let listed = redrive(&["--list", &queue]);
    assert_eq!(
        listed.matches("CustomEmailSender_ForgotPassword").count(),
        2,
        "{listed}"
    );
    switchboard_testkit::assert_mentions(&listed, &["1h old", "50h old", "RetriesExhausted"]);
    let again = redrive(&["--list", &queue]);
    assert_eq!(
        again.matches("CustomEmailSender_ForgotPassword").count(),
        2,
        "listing hid them: {again}"
    );

    let redriven = redrive(&[&queue, "switchboard-redrive"]);
    switchboard_testkit::assert_mentions(
        &redriven,
        &["redrove 1 event(s)", "skipped 1", "past --max-age-hours 24"],
    );
    assert_eq!(
        messages_in(&queue),
        1,
        "the old record stays for you to delete"
    );
    let left = redrive(&["--list", &queue]);
    assert!(
        left.contains("50h old") && !left.contains("1h old"),
        "{left}"
    );
}
