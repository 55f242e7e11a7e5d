# Every option of the module at once (the check that they work together): a config
# layer in SSM, secrets in Secrets Manager, SES in another region with a sending
# authorization, End User Messaging SMS, SMS limits, a previous key, CustomMessage,
# tracing, a reserved concurrency, an alarm e-mail, and delivery receipts.

provider "aws" {
  region = "us-east-1"
}

variable "templates_layer_arn" {
  description = "A templates layer (./scripts/package --templates DIR); \"\" for none."
  type        = string
  default     = ""
}

resource "aws_kms_key" "previous" {
  # checkov:skip=CKV2_AWS_64:Stands in for a key made elsewhere (a previous deployment); the account's default key policy is what such a key often has.
  description         = "The key codes were encrypted under before this deployment"
  enable_key_rotation = true
}

resource "aws_secretsmanager_secret" "providers" {
  # checkov:skip=CKV2_AWS_57:Provider API keys are rotated at the provider, not by Lambda.
  # checkov:skip=CKV_AWS_149:The default AWS-managed key is sufficient for this example.
  name = "switchboard/every-option"
}

resource "aws_ssm_parameter" "config" {
  # checkov:skip=CKV_AWS_337:The default AWS-managed key is sufficient for this example.
  name  = "/switchboard/every-option/config"
  type  = "SecureString"
  value = <<-TOML
    [routes.CustomEmailSender_AccountTakeOverNotification]
    providers = ["ses"]
  TOML
}

module "switchboard" {
  source                           = "../../modules/switchboard"
  name                             = "switchboard-all"
  package_path                     = "${path.module}/../../../../dist/switchboard-arm64.zip"
  product_name                     = "Acme"
  email_from                       = "Acme <no-reply@acme.com>"
  email_reply_to                   = "help@acme.com"
  email_providers                  = "ses"
  sms_providers                    = "sns,aws_sms"
  config_parameter_name            = aws_ssm_parameter.config.name
  secret_arns                      = [aws_secretsmanager_secret.providers.arn]
  ses_region                       = "us-east-1"
  ses_from_arn                     = "arn:aws:ses:us-east-1:123456789012:identity/acme.com"
  use_aws_sms                      = true
  aws_sms_origination_identity     = "pool-0123456789abcdef"
  aws_sms_configuration_set        = "cognito-codes"
  aws_sms_protect_configuration_id = "protect-0123456789abcdef"
  sms_limits                       = { per_number = 5, per_country = 500, window_seconds = 3600, by_country = { "44" = 100 } }
  previous_key_arns                = [aws_kms_key.previous.arn]
  attach_custom_message            = true
  templates_layer_arn              = var.templates_layer_arn
  log_level                        = "DEBUG"
  log_retention_days               = 14
  tracing                          = true
  reserved_concurrency             = 5
  alarm_email                      = "ops@acme.com"
  receipts                         = true
  receipts_retention_days          = 14
  receipts_secret_arns             = [aws_secretsmanager_secret.providers.arn]
  receipts_reserved_concurrency    = 2
  undelivered_share_percent        = 10
}

output "user_pool_id" {
  value = module.switchboard.user_pool_id
}

output "receipts_url" {
  value = module.switchboard.receipts_url
}

output "aws_sms_event_destination_command" {
  value = module.switchboard.aws_sms_event_destination_command
}
