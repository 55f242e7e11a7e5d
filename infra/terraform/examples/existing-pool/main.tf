# Switchboard for a user pool that already exists: the key, the function, Cognito's
# invoke permission and the SMS role are created here; attach them to the pool with
# the procedure in docs/deploy.md ("Attaching to an existing user pool").

provider "aws" {
  region = "us-east-1"
}

variable "user_pool_id" {
  description = "The existing pool, e.g. us-east-1_AbCdEf123."
  type        = string
}

module "switchboard" {
  source                = "../../modules/switchboard"
  package_path          = "${path.module}/../../../../dist/switchboard-arm64.zip"
  product_name          = "Acme"
  email_from            = "Acme <no-reply@acme.com>"
  existing_user_pool_id = var.user_pool_id
}

output "function_arn" {
  value = module.switchboard.function_arn
}

output "kms_key_arn" {
  value = module.switchboard.kms_key_arn
}

output "sms_role_arn" {
  value = module.switchboard.sms_role_arn
}

output "sms_external_id" {
  value = module.switchboard.sms_external_id
}
