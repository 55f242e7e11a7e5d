# A new user pool with Switchboard delivering through SendGrid (email) and SNS (SMS).
# Swap the ESP by changing email_providers and re-applying: no code deploy.
#   ./scripts/package --arch arm64   (writes dist/switchboard-arm64.zip)
#   terraform init && terraform apply -var sendgrid_api_key=...

provider "aws" {
  region = "us-east-1"
}

variable "sendgrid_api_key" {
  description = "SendGrid API key with the Mail Send permission; stored in Secrets Manager, read by the function at cold start."
  type        = string
  sensitive   = true
}

resource "aws_secretsmanager_secret" "providers" {
  # checkov:skip=CKV2_AWS_57:Provider API keys are rotated at the provider, not by Lambda.
  # checkov:skip=CKV_AWS_149:The default AWS-managed key is sufficient for this example.
  name = "switchboard/providers"
}

resource "aws_secretsmanager_secret_version" "providers" {
  secret_id     = aws_secretsmanager_secret.providers.id
  secret_string = jsonencode({ sendgrid = var.sendgrid_api_key })
}

module "switchboard" {
  source          = "../../modules/switchboard"
  package_path    = "${path.module}/../../../../dist/switchboard-arm64.zip"
  product_name    = "Acme"
  email_from      = "Acme <no-reply@acme.com>"
  email_providers = "sendgrid"
  sms_providers   = "sns"
  use_sns         = true
  secret_arns     = [aws_secretsmanager_secret.providers.arn]
  environment = {
    SWITCHBOARD_PROVIDERS__SENDGRID__TYPE    = "sendgrid"
    SWITCHBOARD_PROVIDERS__SENDGRID__API_KEY = "secretsmanager:switchboard/providers#sendgrid"
  }
}

output "user_pool_id" {
  value = module.switchboard.user_pool_id
}
