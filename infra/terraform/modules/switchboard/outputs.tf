output "function_arn" {
  description = "Attach as CustomEmailSender / CustomSMSSender (lambda_version V1_0)."
  value       = aws_lambda_function.this.arn
}

output "kms_key_arn" {
  description = "The pool's kms_key_id for custom senders."
  value       = aws_kms_key.codes.arn
}

output "undelivered_queue_url" {
  description = "Failed invocations (Lambda's on-failure records); see docs/deploy.md to redrive them."
  value       = aws_sqs_queue.undelivered.url
}

output "sms_role_arn" {
  description = "For an existing pool: its sms_configuration sns_caller_arn (with sms_external_id)."
  value       = aws_iam_role.sms.arn
}

output "sms_external_id" {
  value = "${var.name}-sms"
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}

output "user_pool_id" {
  value = local.create_pool ? aws_cognito_user_pool.this[0].id : var.existing_user_pool_id
}

output "receipts_url" {
  description = "The receipts function's URL; each provider's webhook is this URL followed by its name (docs/receipts.md)."
  value       = var.receipts ? aws_lambda_function_url.receipts[0].function_url : null
}

output "receipts_table" {
  description = "receipts.table for `switchboard status`."
  value       = var.receipts ? aws_dynamodb_table.receipts[0].name : null
}

output "receipts_url_permission_command" {
  description = "Once, with AWS provider versions whose aws_lambda_function_url does not add the InvokeFunction statement a public URL needs (docs/receipts.md)."
  value       = var.receipts ? "aws lambda add-permission --function-name ${aws_lambda_function.receipts[0].function_name} --statement-id FunctionURLAllowInvokeAction --action lambda:InvokeFunction --principal '*' --invoked-via-function-url" : null
}

output "aws_sms_event_destination_command" {
  description = "Once: End User Messaging's events to the receipts function (the AWS provider has no resource for an event destination)."
  value = local.aws_sms_receipts == 1 ? join(" ", [
    "aws pinpoint-sms-voice-v2 create-event-destination",
    "--configuration-set-name ${var.aws_sms_configuration_set == "" ? "NAME" : var.aws_sms_configuration_set}",
    "--event-destination-name switchboard-receipts --matching-event-types TEXT_ALL",
    "--sns-destination TopicArn=${aws_sns_topic.sms_receipts[0].arn}",
  ]) : null
}
