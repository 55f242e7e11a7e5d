//! The scaffold of every loopback server the tests start: a listener on
//! 127.0.0.1 at a free port, served on a thread of its own (so a test's own
//! runtime, blocked or finished, never stalls it), each connection handed to
//! the server's own function.

use std::future::Future;

use tokio::net::{TcpListener, TcpStream};

/// Serves connections on a free loopback port with `serve`, until the process
/// exits; returns the port.
pub fn serve<F, Fut>(serve: F) -> u16
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let port = std_listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(std_listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                stream.set_nodelay(true).ok();
                tokio::spawn(serve(stream));
            }
        });
    });
    port
}
