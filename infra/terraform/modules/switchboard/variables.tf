variable "name" {
  description = "Name prefix for every resource."
  type        = string
  default     = "switchboard"
}

variable "package_path" {
  description = "Zip with the `bootstrap` binary (cargo lambda build --release --arm64 --output-format zip)."
  type        = string
}

variable "architecture" {
  description = "arm64 (Graviton, default) or x86_64."
  type        = string
  default     = "arm64"
}

variable "existing_user_pool_id" {
  description = "Attach to this existing pool instead of creating one (see the README for the safe procedure)."
  type        = string
  default     = ""
}

variable "environment" {
  description = "Switchboard configuration as SWITCHBOARD_* variables, e.g. { SWITCHBOARD_EMAIL__PROVIDERS = \"sendgrid\" }. Secrets as env:/ssm:/secretsmanager: references only."
  type        = map(string)
  default     = {}
}

variable "secret_arns" {
  description = "Secrets Manager secrets the function may read (for secretsmanager: references)."
  type        = list(string)
  default     = []
}

variable "ssm_parameter_arns" {
  description = "SSM parameters the function may read (for ssm: references)."
  type        = list(string)
  default     = []
}

variable "use_ses" {
  description = "Allow ses:SendEmail."
  type        = bool
  default     = false
}

variable "use_sns" {
  description = "Allow sns:Publish to phone numbers."
  type        = bool
  default     = false
}

variable "idempotency" {
  description = "Create the DynamoDB table for exactly-once delivery."
  type        = bool
  default     = true
}

variable "alarm_topic_arn" {
  description = "Optional SNS topic for the alarms."
  type        = string
  default     = ""
}
