variable "name" {
  description = "Name prefix for every resource."
  type        = string
  default     = "switchboard"
}

variable "package_path" {
  description = "The Lambda package: dist/switchboard-<arch>.zip from ./scripts/package (bootstrap at the root)."
  type        = string
}

variable "architecture" {
  description = "arm64 (Graviton, default) or x86_64; must match the package."
  type        = string
  default     = "arm64"
  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "product_name" {
  description = "SWITCHBOARD_APP__NAME: your product's name in every message. Required: the demo's name is refused inside Lambda."
  type        = string
}

variable "email_from" {
  description = "SWITCHBOARD_EMAIL__FROM, e.g. \"Acme <no-reply@acme.com>\"; a verified identity when SES sends."
  type        = string
}

variable "email_reply_to" {
  description = "SWITCHBOARD_EMAIL__REPLY_TO (optional)."
  type        = string
  default     = ""
}

variable "email_providers" {
  description = "SWITCHBOARD_EMAIL__PROVIDERS: the email chain in failover order; swap ESPs by changing it."
  type        = string
  default     = "ses"
}

variable "sms_providers" {
  description = "SWITCHBOARD_SMS__PROVIDERS: the SMS chain in failover order."
  type        = string
  default     = "sns"
}

variable "environment" {
  description = "More configuration as SWITCHBOARD_* variables, e.g. provider definitions. Secrets as env:/ssm:/secretsmanager: references only."
  type        = map(string)
  default     = {}
}

variable "config_parameter_name" {
  description = "Optional SSM parameter (e.g. /switchboard/config) holding a TOML configuration layer, read at every cold start."
  type        = string
  default     = ""
}

variable "ssm_parameter_arns" {
  description = "More SSM parameters the function may read (for ssm: secret references)."
  type        = list(string)
  default     = []
}

variable "ssm_key_arn" {
  description = "KMS key of the SecureString parameters (\"\" = the AWS-managed aws/ssm key)."
  type        = string
  default     = ""
}

variable "secret_arns" {
  description = "Secrets Manager secrets the function may read (for secretsmanager: references)."
  type        = list(string)
  default     = []
}

variable "use_ses" {
  description = "Define the provider `ses` and allow ses:SendEmail (identities and configuration sets in ses_region); on by default, as the default email chain is ses."
  type        = bool
  default     = true
}

variable "ses_region" {
  description = "The SES provider's region, if not the provider's."
  type        = string
  default     = ""
}

variable "ses_from_arn" {
  description = "Identity ARN for SES sending authorization (the SES provider's from_arn), if used."
  type        = string
  default     = ""
}

variable "use_sns" {
  description = "Define the provider `sns` and allow sns:Publish to phone numbers (never to topics); on by default, as the default SMS chain is sns."
  type        = bool
  default     = true
}

variable "use_aws_sms" {
  description = "Define the provider `aws_sms` (AWS End User Messaging SMS, SendTextMessage) and allow sms-voice:SendTextMessage; put `aws_sms` in sms_providers to use it."
  type        = bool
  default     = false
}

variable "aws_sms_origination_identity" {
  description = "The aws_sms provider's origination identity (phone number, sender ID or pool ID/ARN); \"\" lets the service choose."
  type        = string
  default     = ""
}

variable "aws_sms_configuration_set" {
  description = "The aws_sms provider's configuration set, if any."
  type        = string
  default     = ""
}

variable "aws_sms_protect_configuration_id" {
  description = "The aws_sms provider's Protect configuration (screens messages against SMS pumping), if any."
  type        = string
  default     = ""
}

variable "sms_limits" {
  description = "SMS pumping guard: messages per phone number and per destination country (default for every country; overrides by calling code, e.g. { \"44\" = 100 }) per window_seconds; 0 = no limit. Counted in the idempotency table, so idempotency must be true."
  type = object({
    per_number     = optional(number, 0)
    per_country    = optional(number, 0)
    by_country     = optional(map(number), {})
    window_seconds = optional(number, 3600)
  })
  default = {}
}

variable "previous_key_arns" {
  description = "When moving a pool to this module's key from other KMS keys: their ARNs, so codes already encrypted under them (retries, redrives) still decrypt. KMS automatic rotation keeps the ARN and needs nothing here."
  type        = list(string)
  default     = []
}

variable "existing_user_pool_id" {
  description = "Attach to this existing pool instead of creating one (see docs/deploy.md for the safe procedure)."
  type        = string
  default     = ""
}

variable "attach_custom_message" {
  description = "Also attach the function as the new pool's CustomMessage trigger."
  type        = bool
  default     = false
}

variable "idempotency" {
  description = "Create the DynamoDB table for exactly-once delivery."
  type        = bool
  default     = true
}

variable "fleet_health" {
  description = "Share each provider's health between warm environments in the idempotency table (docs/health.md): a provider an operator demotes, whose breaker another environment opened, or whose receipts say it drops messages moves to the back of its chains."
  type        = bool
  default     = true
}

variable "templates_layer_arn" {
  description = "Optional Lambda layer with templates under switchboard/templates/ (./scripts/package --templates DIR)."
  type        = string
  default     = ""
}

variable "log_level" {
  description = "Application log level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL)."
  type        = string
  default     = "INFO"
}

variable "log_retention_days" {
  description = "How long the function's logs are kept."
  type        = number
  default     = 30
}

variable "tracing" {
  description = "Turn on AWS X-Ray tracing."
  type        = bool
  default     = false
}

variable "reserved_concurrency" {
  description = "Reserved concurrency; -1 (default) reserves none (new accounts have a quota of 10 and a reservation can fail the apply)."
  type        = number
  default     = -1
}

variable "alarm_email" {
  description = "Optional address subscribed to the alarms (a topic with a key CloudWatch may use is created)."
  type        = string
  default     = ""
}

variable "deletion_protection" {
  description = "Protect the user pool (and its accounts) and the idempotency table from deletion: a destroy or a replacement fails instead of deleting every user. Turn off only to tear down a test deployment."
  type        = bool
  default     = true
}

variable "receipts" {
  description = "Deploy the receipts function (docs/receipts.md): its own role without kms:Decrypt, a public Function URL for the providers' webhooks, the trail table, SES's configuration set with an EventBridge rule, an SNS topic for End User Messaging's events, and an alarm on the undelivered share per channel."
  type        = bool
  default     = false
}

variable "receipts_retention_days" {
  description = "SWITCHBOARD_RECEIPTS__RETENTION_DAYS: how long each event's trail is kept."
  type        = number
  default     = 30
  validation {
    condition     = var.receipts_retention_days >= 1
    error_message = "receipts_retention_days must be at least 1."
  }
}

variable "receipts_secret_arns" {
  description = "Secrets Manager secrets holding the webhooks' signing secrets; the receipts function may read these and no other."
  type        = list(string)
  default     = []
}

variable "receipts_reserved_concurrency" {
  description = "A cap on the receipts function's concurrency, so a flood on its public URL cannot take the account's concurrency from the sender; -1 (default) reserves none (a reservation can fail the apply in an account with a small quota)."
  type        = number
  default     = -1
}

variable "undelivered_share_percent" {
  description = "The receipts alarms fire when more than this share (%) of a channel's receipts say a message did not arrive, over at least 10 receipts in 5 minutes, twice in 15."
  type        = number
  default     = 20
}
