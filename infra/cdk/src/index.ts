export { Switchboard } from "./switchboard";
export { AwsSmsOptions, SmsLimits, SwitchboardProps } from "./props";
