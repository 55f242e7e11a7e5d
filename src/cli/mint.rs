//! `switchboard mint`: a Cognito-format code, to build test events.

use crate::cognito::decrypt::kms_client_for;
use crate::cognito::key_arn::KeyArn;
use crate::cognito::mint::CodeMinter;

/// Prints a Cognito-format code for `plaintext`, bound to `user_pool_id`, under
/// `key_arn` or the insecure development key.
pub async fn run(plaintext: &str, user_pool_id: &str, key_arn: Option<&str>) -> anyhow::Result<()> {
    let minter = match key_arn {
        Some(arn) => {
            let arn: KeyArn = arn.parse()?;
            let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            CodeMinter::kms(&arn, kms_client_for(&arn, &aws)).await?
        }
        None => CodeMinter::insecure_dev_key().await?,
    };
    super::print(&format!(
        "{}\n",
        minter.mint(plaintext, user_pool_id).await?
    ));
    Ok(())
}
