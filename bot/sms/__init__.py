"""SMS to candidates through Tencent Cloud SMS or Alibaba Cloud SMS (their official SDKs): a transport that knows
no feature. numbers (E.164, segments), templates (the approved texts), send (one SMS → SmsOutcome; receipts and
replies pulled back). docs/sms.md says what to request from the providers."""
