//! `switchboard doctor --user-pool-id ID [--function NAME]`: why a trigger never
//! fires. Reads a live pool's wiring ([`wiring`]), checks it ([`checks`]) and
//! prints one line per check with the fix; fails when a check fails.

mod checks;
mod policy;
mod wiring;

use std::fmt::Write;

use checks::{Check, Outcome};

/// Checks user pool `pool_id`'s wiring to its function (or to `function`).
pub async fn run(pool_id: &str, function: Option<&str>) -> anyhow::Result<()> {
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let wiring = wiring::read(&aws, pool_id, function).await?;
    let checks = checks::all(&wiring);
    super::print(&report(&wiring.pool_arn, &checks));
    let failed = checks.iter().filter(|check| !check.passed()).count();
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} checks did not pass for user pool {pool_id}",
            checks.len()
        );
    }
    Ok(())
}

/// `ok`, `FAIL` (with its fix below) or `--` (not checked), one line per check.
fn report(pool_arn: &str, checks: &[Check]) -> String {
    let mut out = format!("user pool {pool_arn}\n");
    for check in checks {
        let name = check.name;
        let _ = match &check.outcome {
            Outcome::Ok(found) => writeln!(out, "ok    {name:<18} {found}"),
            Outcome::Fail { problem, fix } => {
                writeln!(
                    out,
                    "FAIL  {name:<18} {problem}\n      {:<18} fix: {fix}",
                    ""
                )
            }
            Outcome::NotChecked(why) => writeln!(out, "--    {name:<18} not checked: {why}"),
        };
    }
    let passed = checks.iter().filter(|check| check.passed()).count();
    let _ = writeln!(out, "{passed} of {} checks passed", checks.len());
    out
}
