export { Switchboard } from "./switchboard";
export { Receipts } from "./receipts";
export { AwsSmsOptions, ReceiptsOptions, SmsLimits, SwitchboardProps } from "./props";
