# Delivery receipts (var.receipts; docs/receipts.md): the receipts function — the same
# package, started as the receipts function by its environment — with a role that can
# verify and record receipts and nothing else (no kms:Decrypt, no sending, not the
# idempotency table), its public Function URL for the providers' webhooks, the trail
# table, SES's events through EventBridge, End User Messaging's through SNS, and the
# undelivered-share alarms.

locals {
  receipts = var.receipts ? 1 : 0
  # SES's configuration set and its EventBridge rule live in the deployment's region.
  ses_receipts     = var.receipts && var.use_ses && local.ses_region == local.region ? 1 : 0
  aws_sms_receipts = var.receipts && var.use_aws_sms ? 1 : 0
  # What the receipts function reads of the configuration: each provider's type, region
  # and configuration set (its receipts' secrets come from the configuration layer).
  receipts_environment = merge({
    SWITCHBOARD_FUNCTION                 = "receipts"
    SWITCHBOARD_APP__NAME                = var.product_name
    SWITCHBOARD_EMAIL__FROM              = var.email_from
    SWITCHBOARD_EMAIL__PROVIDERS         = var.email_providers
    SWITCHBOARD_SMS__PROVIDERS           = var.sms_providers
    SWITCHBOARD_RECEIPTS__TABLE          = var.receipts ? aws_dynamodb_table.receipts[0].name : ""
    SWITCHBOARD_RECEIPTS__RETENTION_DAYS = tostring(var.receipts_retention_days)
    MALLOC_ARENA_MAX                     = "1"
    }, var.config_parameter_name == "" ? {} : {
    SWITCHBOARD_CONFIG = "ssm:${var.config_parameter_name}"
    }, var.use_ses ? merge({
      SWITCHBOARD_PROVIDERS__SES__TYPE = "ses"
    }, var.ses_region == "" ? {} : { SWITCHBOARD_PROVIDERS__SES__REGION = var.ses_region },
    local.ses_configuration_set) : {},
    local.health ? { SWITCHBOARD_HEALTH__TABLE = aws_dynamodb_table.idempotency[0].name } : {},
    var.use_sns ? { SWITCHBOARD_PROVIDERS__SNS__TYPE = "sns" } : {},
    var.use_aws_sms ? merge({ SWITCHBOARD_PROVIDERS__AWS_SMS__TYPE = "aws-sms" },
      var.aws_sms_configuration_set == "" ? {} : { SWITCHBOARD_PROVIDERS__AWS_SMS__CONFIGURATION_SET = var.aws_sms_configuration_set }
  ) : {})
  # The sender names SES's configuration set, so its events carry the set's tag.
  ses_configuration_set = local.ses_receipts == 1 ? {
    SWITCHBOARD_PROVIDERS__SES__CONFIGURATION_SET = aws_ses_configuration_set.receipts[0].name
  } : {}
}

# Each event's status trail: one item per event and provider, one per receipt seen.
resource "aws_dynamodb_table" "receipts" {
  # checkov:skip=CKV_AWS_119:Items are statuses, provider message ids and HMAC'd recipients, nothing secret; the AWS-owned key avoids coupling a second CMK policy.
  count                       = local.receipts
  name                        = "${var.name}-receipts"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "id"
  deletion_protection_enabled = var.deletion_protection
  attribute {
    name = "id"
    type = "S"
  }
  attribute {
    name = "recipient"
    type = "S"
  }
  attribute {
    name = "hour"
    type = "S"
  }
  attribute {
    name = "at"
    type = "N"
  }
  # `switchboard status --to/--user` (a recipient's trails) and `--since` (an hour's
  # trails) read these; no scan.
  global_secondary_index {
    name            = "by_recipient"
    hash_key        = "recipient"
    range_key       = "at"
    projection_type = "ALL"
  }
  global_secondary_index {
    name            = "by_hour"
    hash_key        = "hour"
    range_key       = "at"
    projection_type = "ALL"
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

resource "aws_cloudwatch_log_group" "receipts" {
  # checkov:skip=CKV_AWS_158:Logs hold no code or secret (masked recipients only); the default encryption suffices.
  # checkov:skip=CKV_AWS_338:Retention is a variable (default 30 days).
  count             = local.receipts
  name              = "/aws/lambda/${var.name}-receipts"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "receipts" {
  count              = local.receipts
  name               = "${var.name}-receipts"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy_attachment" "receipts_logs" {
  count      = local.receipts
  role       = aws_iam_role.receipts[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_iam_role_policy_attachment" "receipts_xray" {
  count      = var.receipts && var.tracing ? 1 : 0
  role       = aws_iam_role.receipts[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AWSXrayWriteOnlyAccess"
}

data "aws_iam_policy_document" "receipts" {
  count = local.receipts
  statement {
    sid       = "RecordTrails"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.receipts[0].arn]
  }
  # Each receipt counted in its provider's health: the per-minute counts of the
  # idempotency table, never its claims or a provider's state.
  dynamic "statement" {
    for_each = local.health ? [1] : []
    content {
      sid       = "CountReceipts"
      actions   = ["dynamodb:UpdateItem"]
      resources = [aws_dynamodb_table.idempotency[0].arn]
      condition {
        test     = "ForAllValues:StringLike"
        variable = "dynamodb:LeadingKeys"
        values   = ["health#*#m*"]
      }
    }
  }
  dynamic "statement" {
    for_each = var.config_parameter_name == "" ? [] : [1]
    content {
      sid       = "ReadConfiguration"
      actions   = ["ssm:GetParameter"]
      resources = local.config_parameter_arns
    }
  }
  # Only through SSM, for a SecureString under a key of yours (the aws/ssm key needs no
  # grant): never the code key.
  dynamic "statement" {
    for_each = var.config_parameter_name != "" && var.ssm_key_arn != "" ? [1] : []
    content {
      sid       = "DecryptTheConfiguration"
      actions   = ["kms:Decrypt"]
      resources = [var.ssm_key_arn]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${local.region}.amazonaws.com"]
      }
    }
  }
  dynamic "statement" {
    for_each = length(var.receipts_secret_arns) == 0 ? [] : [1]
    content {
      sid       = "ReadWebhookSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = var.receipts_secret_arns
    }
  }
}

resource "aws_iam_role_policy" "receipts" {
  count  = local.receipts
  name   = "switchboard-receipts"
  role   = aws_iam_role.receipts[0].id
  policy = data.aws_iam_policy_document.receipts[0].json
}

resource "aws_lambda_function" "receipts" {
  # checkov:skip=CKV_AWS_117:Answers the providers' webhooks over its Function URL; a VPC adds NAT cost and cold start without isolating anything here.
  # checkov:skip=CKV_AWS_173:Environment holds configuration and secret references, never secret values.
  # checkov:skip=CKV_AWS_272:Code signing is left to the deploying organisation's pipeline.
  # checkov:skip=CKV_AWS_50:X-Ray is a variable (tracing).
  # checkov:skip=CKV_AWS_115:Reserved concurrency is a variable (receipts_reserved_concurrency): a default reservation fails applies in new accounts.
  # checkov:skip=CKV_AWS_116:Webhook deliveries are synchronous (the provider retries); SES and End User Messaging events are retried by EventBridge and SNS.
  count                          = local.receipts
  function_name                  = "${var.name}-receipts"
  role                           = aws_iam_role.receipts[0].arn
  filename                       = var.package_path
  source_code_hash               = filebase64sha256(var.package_path)
  handler                        = "bootstrap"
  runtime                        = "provided.al2023"
  architectures                  = [var.architecture]
  memory_size                    = 128
  timeout                        = 10
  reserved_concurrent_executions = var.receipts_reserved_concurrency
  logging_config {
    log_format            = "JSON"
    application_log_level = var.log_level
    system_log_level      = "WARN"
    log_group             = aws_cloudwatch_log_group.receipts[0].name
  }
  tracing_config {
    mode = var.tracing ? "Active" : "PassThrough"
  }
  environment {
    variables = local.receipts_environment
  }
  depends_on = [aws_iam_role_policy_attachment.receipts_logs]
}

# Public by design (the providers sign what they send). The resource adds the
# InvokeFunctionUrl statement itself; AWS provider versions that do not also add the
# InvokeFunction one (lambda:InvokedViaFunctionUrl, required of URLs made since October
# 2025) need the command in the output `receipts_url_permission_command` once.
resource "aws_lambda_function_url" "receipts" {
  # checkov:skip=CKV_AWS_258:The providers' webhooks cannot sign AWS requests; each receipt is verified by its provider's own signature.
  count              = local.receipts
  function_name      = aws_lambda_function.receipts[0].function_name
  authorization_type = "NONE"
}

# SES: its events through the configuration set the sender names, to EventBridge's
# default bus, and a rule that hands this set's events to the receipts function.
# (The SES v1 resource: configuration sets are shared by both APIs.)
resource "aws_ses_configuration_set" "receipts" {
  count = local.ses_receipts
  name  = "${var.name}-receipts"
}

resource "aws_sesv2_configuration_set_event_destination" "receipts" {
  count                  = local.ses_receipts
  configuration_set_name = aws_ses_configuration_set.receipts[0].name
  event_destination_name = "switchboard-receipts"
  event_destination {
    enabled              = true
    matching_event_types = ["DELIVERY", "BOUNCE", "COMPLAINT", "REJECT", "DELIVERY_DELAY", "RENDERING_FAILURE"]
    event_bridge_destination {
      event_bus_arn = "arn:${local.partition}:events:${local.region}:${local.account}:event-bus/default"
    }
  }
}

resource "aws_cloudwatch_event_rule" "ses_receipts" {
  count       = local.ses_receipts
  name        = "${var.name}-ses-receipts"
  description = "SES events of Switchboard's configuration set, to its receipts function."
  event_pattern = jsonencode({
    source = ["aws.ses"]
    detail = { mail = { tags = { "ses:configuration-set" = [aws_ses_configuration_set.receipts[0].name] } } }
  })
}

resource "aws_cloudwatch_event_target" "ses_receipts" {
  count     = local.ses_receipts
  rule      = aws_cloudwatch_event_rule.ses_receipts[0].name
  target_id = "receipts"
  arn       = aws_lambda_function.receipts[0].arn
}

resource "aws_lambda_permission" "eventbridge_receipts" {
  count         = local.ses_receipts
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.receipts[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.ses_receipts[0].arn
}

# End User Messaging SMS: its events to an SNS topic the receipts function reads. The
# AWS provider has no resource for a configuration set's event destination: the output
# `aws_sms_event_destination_command` adds it to aws_sms_configuration_set once.
resource "aws_sns_topic" "sms_receipts" {
  count             = local.aws_sms_receipts
  name              = "${var.name}-sms-receipts"
  kms_master_key_id = aws_kms_key.alarms.id
}

resource "aws_sns_topic_policy" "sms_receipts" {
  count = local.aws_sms_receipts
  arn   = aws_sns_topic.sms_receipts[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EndUserMessagingPublishes"
      Effect    = "Allow"
      Principal = { Service = "sms-voice.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.sms_receipts[0].arn
      Condition = { StringEquals = { "aws:SourceAccount" = local.account } }
    }]
  })
}

resource "aws_sns_topic_subscription" "sms_receipts" {
  count     = local.aws_sms_receipts
  topic_arn = aws_sns_topic.sms_receipts[0].arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.receipts[0].arn
}

resource "aws_lambda_permission" "sns_receipts" {
  count         = local.aws_sms_receipts
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.receipts[0].function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.sms_receipts[0].arn
}

# The share of a channel's receipts that say a message did not arrive (undelivered,
# bounced, blocked, failed), from the receipts function's EMF metrics.
resource "aws_cloudwatch_metric_alarm" "not_delivered" {
  for_each            = var.receipts ? toset(["email", "sms"]) : toset([])
  alarm_name          = "${var.name}-${each.key}-not-delivered"
  alarm_description   = "More than ${var.undelivered_share_percent}% of ${each.key == "sms" ? "SMS" : each.key} receipts say the message did not arrive."
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = var.undelivered_share_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  dynamic "metric_query" {
    for_each = { d = "Delivered", u = "Undelivered", b = "Bounced", k = "Blocked", f = "Failed" }
    content {
      id = metric_query.key
      metric {
        namespace   = "Switchboard"
        metric_name = metric_query.value
        dimensions  = { Channel = each.key }
        period      = 300
        stat        = "Sum"
      }
    }
  }
  metric_query {
    id         = "lost"
    expression = "FILL(u,0)+FILL(b,0)+FILL(k,0)+FILL(f,0)"
  }
  metric_query {
    id         = "total"
    expression = "lost+FILL(d,0)"
  }
  metric_query {
    id          = "share"
    label       = "Not delivered (%)"
    expression  = "IF(total >= 10, 100*lost/total, 0)"
    return_data = true
  }
}
