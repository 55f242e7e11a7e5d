# A new user pool with Switchboard delivering through SendGrid (email) and SNS (SMS).
# Swap the ESP by changing SWITCHBOARD_EMAIL__PROVIDERS and re-applying: no code deploy.

provider "aws" {
  region = "us-east-1"
}

resource "aws_secretsmanager_secret" "providers" {
  # checkov:skip=CKV2_AWS_57:Provider API keys are rotated at the provider, not by Lambda.
  # checkov:skip=CKV_AWS_149:The default AWS-managed key is sufficient for this example.
  name = "switchboard/providers"
}

module "switchboard" {
  source       = "../../modules/switchboard"
  package_path = "${path.module}/../../../../target/lambda/switchboard/bootstrap.zip"
  use_sns      = true
  secret_arns  = [aws_secretsmanager_secret.providers.arn]
  environment = {
    SWITCHBOARD_EMAIL__PROVIDERS             = "sendgrid"
    SWITCHBOARD_EMAIL__FROM                  = "Acme <no-reply@acme.test>"
    SWITCHBOARD_SMS__PROVIDERS               = "sns"
    SWITCHBOARD_PROVIDERS__SENDGRID__TYPE    = "sendgrid"
    SWITCHBOARD_PROVIDERS__SENDGRID__API_KEY = "secretsmanager:switchboard/providers#sendgrid"
    SWITCHBOARD_PROVIDERS__SNS__TYPE         = "sns"
  }
}

output "user_pool_id" {
  value = module.switchboard.user_pool_id
}
