# The module's defaults: a new user pool, Amazon SES for email and Amazon SNS for
# SMS, the idempotency table, alarms. Only the product and the sender are yours.
#   ./scripts/package --arch arm64   (writes dist/switchboard-arm64.zip)
#   terraform init && terraform apply
# Verify the sender's address or domain in SES before the first code is sent.

provider "aws" {
  region = "us-east-1"
}

module "switchboard" {
  source       = "../../modules/switchboard"
  package_path = "${path.module}/../../../../dist/switchboard-arm64.zip"
  product_name = "Acme"
  email_from   = "Acme <no-reply@acme.com>"
}

output "user_pool_id" {
  value = module.switchboard.user_pool_id
}
