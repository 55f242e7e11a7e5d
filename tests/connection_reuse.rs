//! Warm invocations reuse connections: one HTTP connection for many messages
//! (keep-alive), counted by a server that accepts connections itself.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use switchboard::providers::conformance;
use switchboard::providers::{BuildContext, Sender, WebhookConfig};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// An HTTP/1.1 server that answers 204 to every request and counts connections.
async fn counting_server() -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (connections, requests) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (c, r) = (connections.clone(), requests.clone());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            let requests = r.clone();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                loop {
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(value) =
                            line.to_ascii_lowercase().strip_prefix("content-length:")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if stream.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    requests.fetch_add(1, Ordering::SeqCst);
                    if stream
                        .get_mut()
                        .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, connections, requests)
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_messages_over_one_kept_alive_connection() {
    let (url, connections, requests) = counting_server().await;
    let sender = WebhookConfig::new(url, "a-secret-of-sixteen-chars")
        .into_sender("hook", &BuildContext::default())
        .unwrap();
    for _ in 0..10 {
        sender
            .send(&conformance::sample_sms("+12025550123"))
            .await
            .unwrap();
        // Invocations of a warm function are apart in time.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(requests.load(Ordering::SeqCst), 10);
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "one connection, kept alive"
    );
}
