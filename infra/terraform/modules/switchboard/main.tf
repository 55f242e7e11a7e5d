data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
# `id` is the region name in provider v5 and v6 (v6 deprecates `name`).
data "aws_region" "current" {}

locals {
  account     = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  region      = data.aws_region.current.id
  ses_region  = var.ses_region == "" ? local.region : var.ses_region
  create_pool = var.existing_user_pool_id == ""
  pool_id     = local.create_pool ? aws_cognito_user_pool.this[0].id : var.existing_user_pool_id
  pool_arn    = local.create_pool ? aws_cognito_user_pool.this[0].arn : local.existing_pool_arn
  # From the variable alone: the key's policy must not depend on the pool, which
  # names the key (Terraform counts both branches of a conditional).
  existing_pool_arn = "arn:${local.partition}:cognito-idp:${local.region}:${local.account}:userpool/${var.existing_user_pool_id}"
  config_parameter_arns = var.config_parameter_name == "" ? [] : [
    "arn:${local.partition}:ssm:${local.region}:${local.account}:parameter${var.config_parameter_name}"
  ]
  ssm_parameter_arns = concat(local.config_parameter_arns, var.ssm_parameter_arns)
  # The fleet's provider health lives in the idempotency table, under `health#` keys.
  health = var.fleet_health && var.idempotency
}

# Cognito encrypts every code under this key. Cognito may create grants for the exact
# pool when attaching to an existing one; a new pool cannot be named (it names the key).
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
        Sid       = "CognitoCreatesGrantsForThePool"
        Effect    = "Allow"
        Principal = { Service = "cognito-idp.amazonaws.com" }
        Action    = "kms:CreateGrant"
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account }
          ArnLike = {
            "aws:SourceArn" = local.create_pool ? "arn:${local.partition}:cognito-idp:${local.region}:${local.account}:userpool/*" : local.existing_pool_arn
          }
        }
      }
    ]
  })
}

# Failed invocations, with the event and the error, after Lambda's retries.
resource "aws_sqs_queue" "undelivered" {
  # checkov:skip=CKV2_AWS_73:The record carries the event as Cognito sent it, code still encrypted under the CMK; the AWS-managed SQS key suffices.
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
  # It holds the in-flight claims and the SMS counts: not lost to a replacement.
  deletion_protection_enabled = var.deletion_protection
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

resource "aws_cloudwatch_log_group" "function" {
  # checkov:skip=CKV_AWS_158:Logs hold no code or secret (masked recipients only); the default encryption suffices.
  # checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days); a year of delivery logs is rarely wanted.
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
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

resource "aws_iam_role_policy_attachment" "xray" {
  count = var.tracing ? 1 : 0
  role  = aws_iam_role.function.name
  # The policy SAM attaches for Tracing (and the CDK construct for tracing).
  policy_arn = "arn:${local.partition}:iam::aws:policy/AWSXrayWriteOnlyAccess"
}

data "aws_iam_policy_document" "function" {
  statement {
    sid       = "DecryptThisPoolsCodes"
    actions   = ["kms:Decrypt"]
    resources = concat([aws_kms_key.codes.arn], var.previous_key_arns)
    condition {
      test     = "StringEquals"
      variable = "kms:EncryptionContext:userpool-id"
      values   = [local.pool_id]
    }
  }
  # The cold start checks the key and opens the KMS connection during init.
  statement {
    sid       = "CheckTheCodeKey"
    actions   = ["kms:DescribeKey"]
    resources = concat([aws_kms_key.codes.arn], var.previous_key_arns)
  }
  statement {
    sid       = "LookUpMissingRecipients"
    actions   = ["cognito-idp:AdminGetUser"]
    resources = [local.pool_arn]
  }
  statement {
    sid       = "ReportFailures"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.undelivered.arn]
  }
  dynamic "statement" {
    for_each = var.use_ses ? [1] : []
    content {
      sid     = "SendEmail"
      actions = ["ses:SendEmail"]
      resources = compact([
        "arn:${local.partition}:ses:${local.ses_region}:${local.account}:identity/*",
        "arn:${local.partition}:ses:${local.ses_region}:${local.account}:configuration-set/*",
        var.ses_from_arn,
      ])
    }
  }
  dynamic "statement" {
    for_each = var.use_sns ? [1] : []
    content {
      # SMS to phone numbers has no resource ARN: allowed on "*", with every topic
      # denied below (AWS's documented pattern for SMS-only publishing).
      sid       = "SendSms"
      actions   = ["sns:Publish"]
      resources = ["*"]
    }
  }
  dynamic "statement" {
    for_each = var.use_sns ? [1] : []
    content {
      sid       = "NoTopics"
      effect    = "Deny"
      actions   = ["sns:Publish"]
      resources = ["arn:${local.partition}:sns:*:*:*"]
    }
  }
  dynamic "statement" {
    for_each = var.use_aws_sms ? [1] : []
    content {
      # Origination identities, configuration sets and Protect configurations of this
      # account, in any region the provider's `region` may name.
      sid       = "SendSmsWithEndUserMessaging"
      actions   = ["sms-voice:SendTextMessage"]
      resources = ["arn:${local.partition}:sms-voice:*:${local.account}:*"]
    }
  }
  dynamic "statement" {
    for_each = length(var.secret_arns) > 0 ? [1] : []
    content {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = var.secret_arns
    }
  }
  dynamic "statement" {
    for_each = length(local.ssm_parameter_arns) > 0 ? [1] : []
    content {
      sid       = "ReadParameters"
      actions   = ["ssm:GetParameter"]
      resources = local.ssm_parameter_arns
    }
  }
  dynamic "statement" {
    for_each = length(local.ssm_parameter_arns) > 0 ? [1] : []
    content {
      sid       = "DecryptSecureStrings"
      actions   = ["kms:Decrypt"]
      resources = [var.ssm_key_arn == "" ? "*" : var.ssm_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${local.region}.amazonaws.com"]
      }
    }
  }
  dynamic "statement" {
    for_each = var.idempotency ? [1] : []
    content {
      # The idempotency claims, and the SMS limit counters (conditional UpdateItem).
      sid       = "Idempotency"
      actions   = ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      resources = [aws_dynamodb_table.idempotency[0].arn]
    }
  }
  dynamic "statement" {
    for_each = local.health ? [1] : []
    content {
      # The fleet's health, read between events (its writes after them are the
      # Idempotency statement's UpdateItem); its own keys only.
      sid       = "FleetHealth"
      actions   = ["dynamodb:BatchGetItem"]
      resources = [aws_dynamodb_table.idempotency[0].arn]
      condition {
        test     = "ForAllValues:StringLike"
        variable = "dynamodb:LeadingKeys"
        values   = ["health#*"]
      }
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
  # checkov:skip=CKV_AWS_50:X-Ray is a variable (tracing); structured logs carry the per-event trace.
  # checkov:skip=CKV_AWS_115:Reserved concurrency is a variable: a default reservation fails applies in new accounts (quota 10).
  # checkov:skip=CKV_AWS_116:Failed invocations go to the event invoke config's on-failure destination, which keeps the error too.
  function_name                  = var.name
  role                           = aws_iam_role.function.arn
  filename                       = var.package_path
  source_code_hash               = filebase64sha256(var.package_path)
  handler                        = "bootstrap"
  runtime                        = "provided.al2023"
  architectures                  = [var.architecture]
  memory_size                    = 128
  timeout                        = 15
  reserved_concurrent_executions = var.reserved_concurrency
  layers                         = var.templates_layer_arn == "" ? [] : [var.templates_layer_arn]
  logging_config {
    log_format            = "JSON"
    application_log_level = var.log_level
    system_log_level      = "WARN"
    log_group             = aws_cloudwatch_log_group.function.name
  }
  tracing_config {
    mode = var.tracing ? "Active" : "PassThrough"
  }
  # DECRYPT__USER_POOLS: only an attached pool's events (a new pool cannot be named
  # without a cycle; the IAM condition binds decryption to it either way).
  environment {
    variables = merge({
      SWITCHBOARD_APP__NAME                    = var.product_name
      SWITCHBOARD_EMAIL__FROM                  = var.email_from
      SWITCHBOARD_EMAIL__REPLY_TO              = var.email_reply_to
      SWITCHBOARD_EMAIL__PROVIDERS             = var.email_providers
      SWITCHBOARD_SMS__PROVIDERS               = var.sms_providers
      SWITCHBOARD_DECRYPT__KEY_ARN             = aws_kms_key.codes.arn
      SWITCHBOARD_DECRYPT__KEY_ARNS            = join(",", var.previous_key_arns)
      SWITCHBOARD_DECRYPT__USER_POOLS          = local.create_pool ? "" : var.existing_user_pool_id
      SWITCHBOARD_IDEMPOTENCY__TABLE           = var.idempotency ? aws_dynamodb_table.idempotency[0].name : ""
      SWITCHBOARD_IDEMPOTENCY__LOCK_TIMEOUT_MS = "30000"
      # The timeout is 15 s: delivery stops 1.5 s before it.
      SWITCHBOARD_DELIVERY__DEADLINE_MARGIN_MS = "1500"
      # glibc's malloc keeps an arena per thread that allocates; two hold the
      # runtime's workers and keep the peak RSS down (docs/performance.md).
      MALLOC_ARENA_MAX = "1"
      }, var.config_parameter_name == "" ? {} : {
      SWITCHBOARD_CONFIG = "ssm:${var.config_parameter_name}"
      }, var.use_ses ? merge({
        SWITCHBOARD_PROVIDERS__SES__TYPE = "ses"
      }, var.ses_region == "" ? {} : { SWITCHBOARD_PROVIDERS__SES__REGION = var.ses_region },
      var.ses_from_arn == "" ? {} : { SWITCHBOARD_PROVIDERS__SES__FROM_ARN = var.ses_from_arn },
      local.ses_configuration_set) : {},
      var.use_sns ? { SWITCHBOARD_PROVIDERS__SNS__TYPE = "sns" } : {},
      var.use_aws_sms ? { for key, value in {
        SWITCHBOARD_PROVIDERS__AWS_SMS__TYPE                     = "aws-sms"
        SWITCHBOARD_PROVIDERS__AWS_SMS__ORIGINATION_IDENTITY     = var.aws_sms_origination_identity
        SWITCHBOARD_PROVIDERS__AWS_SMS__CONFIGURATION_SET        = var.aws_sms_configuration_set
        SWITCHBOARD_PROVIDERS__AWS_SMS__PROTECT_CONFIGURATION_ID = var.aws_sms_protect_configuration_id
      } : key => value if value != "" } : {},
      {
        SWITCHBOARD_SMS__LIMITS__PER_NUMBER           = tostring(var.sms_limits.per_number)
        SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__DEFAULT = tostring(var.sms_limits.per_country)
        SWITCHBOARD_SMS__LIMITS__WINDOW_SECONDS       = tostring(var.sms_limits.window_seconds)
      },
      { for code, limit in var.sms_limits.by_country : "SWITCHBOARD_SMS__LIMITS__PER_COUNTRY__${code}" => tostring(limit) },
      local.health ? { SWITCHBOARD_HEALTH__TABLE = aws_dynamodb_table.idempotency[0].name } : {},
      # Where Twilio's per-message status callbacks go (the receipts function's URL).
      var.receipts ? { SWITCHBOARD_RECEIPTS__URL = aws_lambda_function_url.receipts[0].function_url } : {},
    var.environment)
  }
  lifecycle {
    precondition {
      condition     = var.idempotency || (var.sms_limits.per_number == 0 && var.sms_limits.per_country == 0 && alltrue([for limit in values(var.sms_limits.by_country) : limit == 0]))
      error_message = "sms_limits are counted in the idempotency table: set idempotency = true, or every limit to 0."
    }
  }
  depends_on = [aws_iam_role_policy_attachment.logs]
}

# Cognito invokes custom senders asynchronously: bound the retries and the age, keep
# failures (the on-failure record carries the event and the error).
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = 2
  maximum_event_age_in_seconds = 3600
  destination_config {
    on_failure {
      destination = aws_sqs_queue.undelivered.arn
    }
  }
  depends_on = [aws_iam_role_policy.function]
}

resource "aws_lambda_permission" "cognito" {
  statement_id   = "CognitoInvokes"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = "cognito-idp.amazonaws.com"
  source_account = local.account
  source_arn     = local.pool_arn
}

# The role Cognito needs for CustomSMSSender (the pool's SMS configuration), for a new
# pool and for an existing one (see the outputs).
resource "aws_iam_role" "sms" {
  name = "${var.name}-cognito-sms"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "cognito-idp.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "sts:ExternalId" = "${var.name}-sms", "aws:SourceAccount" = local.account } }
    }]
  })
}

resource "aws_iam_role_policy" "sms" {
  # checkov:skip=CKV_AWS_290:SMS to a phone number has no resource ARN (AWS's pattern: Allow * and Deny every topic, the NoTopics statement).
  name = "publish-sms"
  role = aws_iam_role.sms.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Sid = "SendSms", Effect = "Allow", Action = "sns:Publish", Resource = "*" },
      { Sid = "NoTopics", Effect = "Deny", Action = "sns:Publish", Resource = "arn:${local.partition}:sns:*:*:*" },
    ]
  })
}

resource "aws_cognito_user_pool" "this" {
  count = local.create_pool ? 1 : 0
  name  = "${var.name}-users"
  # The accounts: a destroy or a replacement must not delete them.
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  auto_verified_attributes = ["email"]
  username_attributes      = ["email"]
  sms_configuration {
    sns_caller_arn = aws_iam_role.sms.arn
    external_id    = "${var.name}-sms"
  }
  lambda_config {
    kms_key_id     = aws_kms_key.codes.arn
    custom_message = var.attach_custom_message ? aws_lambda_function.this.arn : null
    custom_email_sender {
      lambda_arn     = aws_lambda_function.this.arn
      lambda_version = "V1_0"
    }
    custom_sms_sender {
      lambda_arn     = aws_lambda_function.this.arn
      lambda_version = "V1_0"
    }
  }
  # Cognito checks the SMS role when the pool is created: its policy must be there.
  depends_on = [aws_iam_role_policy.sms]
}

# CloudWatch alarms can publish only to a topic whose key lets CloudWatch use it: not
# the AWS-managed alias/aws/sns, so a customer key.
resource "aws_kms_key" "alarms" {
  description         = "${var.name} - alarm notifications"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchPublishesAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
      }
      # End User Messaging publishes its SMS receipts to a topic under this key too.
      ], local.aws_sms_receipts == 0 ? [] : [
      {
        Sid       = "EndUserMessagingPublishesReceipts"
        Effect    = "Allow"
        Principal = { Service = "sms-voice.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
      }
    ])
  })
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = aws_kms_key.alarms.id
}

resource "aws_sns_topic_subscription" "alarms" {
  count     = var.alarm_email == "" ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "undelivered" {
  alarm_name          = "${var.name}-undelivered"
  alarm_description   = "Codes that could not be delivered are waiting in the undelivered queue."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.undelivered.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
}

# Emitted by the function as an EMF metric (no dimension = every trigger source).
resource "aws_cloudwatch_metric_alarm" "sms_limited" {
  alarm_name          = "${var.name}-sms-limited"
  alarm_description   = "The SMS pumping guard refused many messages (a pumping attempt, or limits set too low)."
  namespace           = "Switchboard"
  metric_name         = "SmsLimited"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 10
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
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
  alarm_actions       = [aws_sns_topic.alarms.arn]
}
