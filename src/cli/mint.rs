use crate::decrypt::kms_client_for;
use crate::key_arn::KeyArn;
use crate::mint::CodeMinter;

/// `switchboard mint`: prints a Cognito-format code for `plaintext`.
pub async fn run(plaintext: &str, user_pool_id: &str, key_arn: Option<&str>) -> anyhow::Result<()> {
    let minter = match key_arn {
        Some(arn) => {
            let arn: KeyArn = arn.parse()?;
            let sdk_config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            CodeMinter::kms(&arn, kms_client_for(&arn, &sdk_config).await).await?
        }
        None => CodeMinter::insecure_dev_key().await?,
    };
    println!("{}", minter.mint(plaintext, user_pool_id).await?);
    Ok(())
}
