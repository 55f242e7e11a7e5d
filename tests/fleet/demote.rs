//! `switchboard health demote` / `restore`, run as another process: every warm
//! environment follows within `refresh_ms`, without a deploy.

use switchboard_testkit::environment::Environment;

use crate::harness::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_demotion_reaches_running_environments_within_the_refresh_and_a_restore_undoes_it() {
    let (first, second) = (accepting("first-1"), accepting("second-1"));
    let (env, key, _) = fleet_env(&first, &second, &[]).await;
    let mut one = Environment::start(BINARY, &env);
    let mut two = Environment::start(BINARY, &env);
    each_delivers_by(&mut [&mut one, &mut two], &key, "first");

    let demote = [
        "health",
        "demote",
        "first",
        "--for",
        "10m",
        "--reason",
        "carrier incident",
    ];
    let (ok, out, err) = command_line(&demote, &env);
    assert!(ok, "{err}");
    assert!(out.contains("first (email) demoted"), "{out}");
    after_refresh();
    // Both warm environments now try `second` first; `first` is still in the chain.
    each_delivers_by(&mut [&mut one, &mut two], &key, "second");
    assert_eq!(
        first.received().len(),
        2,
        "no message to the demoted provider"
    );
    let line = health_line(&env, "first");
    for part in ["demoted", "operator fleet-test", "carrier incident"] {
        assert!(line.contains(part), "{part} in {line}");
    }

    let (ok, _, err) = command_line(&["health", "restore", "first"], &env);
    assert!(ok, "{err}");
    after_refresh();
    each_delivers_by(&mut [&mut one, &mut two], &key, "first");

    let (ok, _, err) = command_line(&["health", "demote", "nobody"], &env);
    assert!(!ok);
    switchboard_testkit::assert_mentions(&err, &["nobody", "first", "second"]);
}
