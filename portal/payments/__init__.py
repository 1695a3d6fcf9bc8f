"""Online payments: provider adapters (Stripe, sandbox), the pay pages and the webhook."""
