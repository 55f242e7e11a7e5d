output "function_arn" {
  description = "Attach as CustomEmailSender / CustomSMSSender (lambda_version V1_0)."
  value       = aws_lambda_function.this.arn
}

output "kms_key_arn" {
  description = "The pool's kms_key_id for custom senders."
  value       = aws_kms_key.codes.arn
}

output "dead_letter_queue_url" {
  value = aws_sqs_queue.dead_letters.url
}

output "user_pool_id" {
  value = local.create_pool ? aws_cognito_user_pool.this[0].id : var.existing_user_pool_id
}
