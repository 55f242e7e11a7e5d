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
