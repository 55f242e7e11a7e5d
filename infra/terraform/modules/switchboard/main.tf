data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account     = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  region      = data.aws_region.current.name
  create_pool = var.existing_user_pool_id == ""
  pool_arn    = local.create_pool ? aws_cognito_user_pool.this[0].arn : "arn:${local.partition}:cognito-idp:${local.region}:${local.account}:userpool/${var.existing_user_pool_id}"
}

# Cognito encrypts every code under this key; only Cognito, for this account's pools, may create grants.
resource "aws_kms_key" "codes" {
  description         = "${var.name} - Cognito custom sender codes"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CognitoCreatesGrantsForThisAccountsPools"
        Effect    = "Allow"
        Principal = { Service = "cognito-idp.amazonaws.com" }
        Action    = "kms:CreateGrant"
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:cognito-idp:${local.region}:${local.account}:userpool/*" }
        }
      }
    ]
  })
}

resource "aws_sqs_queue" "dead_letters" {
  # checkov:skip=CKV2_AWS_73:Dead letters carry the event as Cognito sent it, code still encrypted under the CMK; the AWS-managed SQS key suffices.
  name                      = "${var.name}-undelivered"
  message_retention_seconds = 1209600
  kms_master_key_id         = "alias/aws/sqs"
}

resource "aws_dynamodb_table" "idempotency" {
  # checkov:skip=CKV_AWS_119:Items are SHA-256 hashes and provider message ids, nothing secret; the AWS-owned key avoids coupling a second CMK policy.
  count        = var.idempotency ? 1 : 0
  name         = "${var.name}-idempotency"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"
  attribute {
    name = "id"
    type = "S"
  }
  ttl {
    attribute_name = "ttl"
    enabled        = true
  }
  point_in_time_recovery {
    enabled = true
  }
  server_side_encryption {
    enabled = true
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "function" {
  name               = "${var.name}-function"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

data "aws_iam_policy_document" "function" {
  statement {
    sid       = "DecryptCodes"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.codes.arn]
  }
  statement {
    sid       = "LookUpMissingRecipients"
    actions   = ["cognito-idp:AdminGetUser"]
    resources = [local.pool_arn]
  }
  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }
  dynamic "statement" {
    for_each = var.use_ses ? [1] : []
    content {
      actions   = ["ses:SendEmail"]
      resources = ["arn:${local.partition}:ses:${local.region}:${local.account}:identity/*"]
    }
  }
  dynamic "statement" {
    for_each = var.use_sns ? [1] : []
    content {
      # SMS to phone numbers has no resource ARN; the condition excludes topics.
      actions   = ["sns:Publish"]
      resources = ["*"]
      condition {
        test     = "Null"
        variable = "sns:Protocol"
        values   = ["true"]
      }
    }
  }
  dynamic "statement" {
    for_each = length(var.secret_arns) > 0 ? [1] : []
    content {
      actions   = ["secretsmanager:GetSecretValue"]
      resources = var.secret_arns
    }
  }
  dynamic "statement" {
    for_each = length(var.ssm_parameter_arns) > 0 ? [1] : []
    content {
      actions   = ["ssm:GetParameter"]
      resources = var.ssm_parameter_arns
    }
  }
  dynamic "statement" {
    for_each = var.idempotency ? [1] : []
    content {
      actions   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      resources = [aws_dynamodb_table.idempotency[0].arn]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  name   = "switchboard"
  role   = aws_iam_role.function.id
  policy = data.aws_iam_policy_document.function.json
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_117:Talks to public provider APIs; a VPC adds NAT cost and cold start without isolating anything here.
  # checkov:skip=CKV_AWS_173:Environment holds configuration and secret references, never secret values.
  # checkov:skip=CKV_AWS_272:Code signing is left to the deploying organisation's pipeline.
  # checkov:skip=CKV_AWS_50:X-Ray adds cost and a dependency; structured logs carry the per-event trace.
  function_name                  = var.name
  role                           = aws_iam_role.function.arn
  filename                       = var.package_path
  source_code_hash               = filebase64sha256(var.package_path)
  handler                        = "bootstrap"
  runtime                        = "provided.al2023"
  architectures                  = [var.architecture]
  memory_size                    = 128
  timeout                        = 15
  reserved_concurrent_executions = 50
  environment {
    variables = merge({
      SWITCHBOARD_DECRYPT__KEY_ARN             = aws_kms_key.codes.arn
      SWITCHBOARD_IDEMPOTENCY__TABLE           = var.idempotency ? aws_dynamodb_table.idempotency[0].name : ""
      SWITCHBOARD_IDEMPOTENCY__LOCK_TIMEOUT_MS = "30000"
      AWS_LAMBDA_LOG_FORMAT                    = "JSON"
    }, var.environment)
  }
  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }
}

# Cognito invokes custom senders asynchronously: bound the retries and the age, keep failures.
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600
  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letters.arn
    }
  }
}

resource "aws_lambda_permission" "cognito" {
  statement_id   = "CognitoInvokes"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = "cognito-idp.amazonaws.com"
  source_account = local.account
  source_arn     = local.pool_arn
}

resource "aws_iam_role" "sms" {
  count = local.create_pool ? 1 : 0
  name  = "${var.name}-cognito-sms"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "cognito-idp.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = "${var.name}-sms" } }
    }]
  })
  inline_policy {
    name = "publish-sms"
    policy = jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Effect    = "Allow"
        Action    = "sns:Publish"
        Resource  = "*"
        Condition = { Null = { "sns:Protocol" = "true" } }
      }]
    })
  }
}

resource "aws_cognito_user_pool" "this" {
  count                    = local.create_pool ? 1 : 0
  name                     = "${var.name}-users"
  auto_verified_attributes = ["email"]
  username_attributes      = ["email"]
  sms_configuration {
    sns_caller_arn = aws_iam_role.sms[0].arn
    external_id    = "${var.name}-sms"
  }
  lambda_config {
    kms_key_id = aws_kms_key.codes.arn
    custom_email_sender {
      lambda_arn     = aws_lambda_function.this.arn
      lambda_version = "V1_0"
    }
    custom_sms_sender {
      lambda_arn     = aws_lambda_function.this.arn
      lambda_version = "V1_0"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "undelivered" {
  alarm_name          = "${var.name}-undelivered"
  alarm_description   = "Codes that could not be delivered are waiting in the dead-letter queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dead_letters.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == "" ? [] : [var.alarm_topic_arn]
}

resource "aws_cloudwatch_metric_alarm" "errors" {
  alarm_name          = "${var.name}-errors"
  alarm_description   = "Switchboard invocations are failing (provider outage or configuration)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.this.function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 5
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_topic_arn == "" ? [] : [var.alarm_topic_arn]
}
